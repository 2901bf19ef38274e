package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/service/ipc"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
)

// Every engine prompt reaches the API with its kind and what the user
// must be told, and nothing else. A federated profile's challenge is a
// browser sign-in.
func TestDescribe(t *testing.T) {
	plain := &profile.Profile{Name: "corp"}
	federated := &profile.Profile{Name: "corp"}
	federated.Auth.Federated = true
	const idp = "https://portal.sso.example.com/saml?SAMLRequest=abc:def"
	tests := []struct {
		name string
		prof *profile.Profile
		in   openvpn.Prompt
		want api.Prompt
	}{
		{"userpass", plain, openvpn.Prompt{Kind: openvpn.PromptUserPass, Username: "alice", AskPassword: true,
			StaticChallenge: &profile.StaticChallenge{Text: "code", Echo: true}},
			api.Prompt{Kind: api.PromptUserPass, Username: "alice", AskPassword: true, Challenge: "code", Echo: true}},
		{"challenge", plain, openvpn.Prompt{Kind: openvpn.PromptChallenge, Challenge: &push.Challenge{Text: "PIN?", Username: "bob"}},
			api.Prompt{Kind: api.PromptChallenge, Username: "bob", Challenge: "PIN?"}},
		{"saml", federated, openvpn.Prompt{Kind: openvpn.PromptChallenge, Challenge: &push.Challenge{Text: idp, Username: "N/A", Echo: true}},
			api.Prompt{Kind: api.PromptSAML, Username: "N/A", URL: idp}},
		{"federated question", federated, openvpn.Prompt{Kind: openvpn.PromptChallenge, Challenge: &push.Challenge{Text: "PIN?", Username: "bob"}},
			api.Prompt{Kind: api.PromptChallenge, Username: "bob", Challenge: "PIN?"}},
		{"web auth", plain, openvpn.Prompt{Kind: openvpn.PromptWebAuth, URL: "https://vpn.example.com/auth/1"},
			api.Prompt{Kind: api.PromptWebAuth, URL: "https://vpn.example.com/auth/1"}},
		{"passphrase", plain, openvpn.Prompt{Kind: openvpn.PromptPassphrase, Profile: "corp"},
			api.Prompt{Kind: api.PromptPassphrase, AskPassword: true}},
		{"passphrase again", plain, openvpn.Prompt{Kind: openvpn.PromptPassphrase, Retry: "wrong passphrase"},
			api.Prompt{Kind: api.PromptPassphrase, AskPassword: true, Retry: "wrong passphrase"}},
		{"proxy", plain, openvpn.Prompt{Kind: openvpn.PromptProxyAuth, Proxy: "proxy.example.com:3128", AskUsername: true, AskPassword: true},
			api.Prompt{Kind: api.PromptProxy, Proxy: "proxy.example.com:3128", AskUsername: true, AskPassword: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describe(tt.prof, &tt.in)
			if got.ID == "" || got.Tunnel != "corp" {
				t.Errorf("id %q tunnel %q", got.ID, got.Tunnel)
			}
			got.ID, got.Tunnel = "", ""
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// A stream that subscribes gets the prompts waiting then, and each later
// one once — only those of tunnels its caller owns, or all for root.
func TestPromptsSubscribe(t *testing.T) {
	alice, bob, root := ipc.Peer{UID: 1000}, ipc.Peer{UID: 1001}, ipc.Peer{Admin: true}
	var ps prompts
	ps.add(api.Prompt{ID: "1", Tunnel: "b"}, 1000)
	ps.add(api.Prompt{ID: "2", Tunnel: "a"}, 1000)
	ps.add(api.Prompt{ID: "x", Tunnel: "z"}, unknownOwner)
	pending, ch, stop := ps.subscribe(alice)
	defer stop()
	if len(pending) != 2 || pending[0].ID != "2" || pending[1].ID != "1" {
		t.Errorf("pending %+v", pending)
	}
	if len(ch) != 0 {
		t.Errorf("a waiting prompt was also queued")
	}
	bobPending, bobCh, bobStop := ps.subscribe(bob)
	defer bobStop()
	rootPending, rootCh, rootStop := ps.subscribe(root)
	defer rootStop()
	if len(bobPending) != 0 || len(rootPending) != 3 {
		t.Errorf("bob was sent %+v, root %+v", bobPending, rootPending)
	}
	ps.add(api.Prompt{ID: "3", Tunnel: "c"}, 1000)
	if p := <-ch; p.ID != "3" {
		t.Errorf("got %+v", p)
	}
	if len(bobCh) != 0 || len(rootCh) != 1 {
		t.Errorf("bob was sent %d, root %d of alice's new prompt; want 0 and 1", len(bobCh), len(rootCh))
	}

	tests := []struct {
		name string
		id   string
		by   ipc.Peer
		err  error
	}{
		{"another user", "3", bob, errNotOwner},
		{"the owner", "3", alice, nil},
		{"the owner again", "3", alice, errNoPrompt},
		{"root, anyone's", "1", root, nil},
		{"a user, one of unknown owner", "x", alice, errNotOwner},
		{"root, one of unknown owner", "x", root, nil},
	}
	for _, tt := range tests {
		_, err := ps.take(api.AnswerBody{ID: tt.id}, tt.by)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: take %s: %v, want %v", tt.name, tt.id, err, tt.err)
		}
	}
}

// An answer's secrets reach the redactor only when it answers a prompt
// that waits and that the caller may answer. Otherwise any allowed caller
// could choose what every later log line loses ("requested by uid 65534"
// scrubs the audit lines), or push the real secrets out of the redactor's
// list with junk.
func TestAnswerRegistersOnlyRealSecrets(t *testing.T) {
	dir, err := logs.Open(t.TempDir(), logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	s := &Server{Logs: dir}
	root, user := ipc.Peer{UID: 0, Admin: true}, ipc.Peer{UID: 1000}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ask := func() (id string, done <-chan struct{}) {
		before := waitingIDs(&s.prompts)
		ch := make(chan struct{})
		go func() {
			defer close(ch)
			_, _ = s.ownedPrompter(&profile.Profile{Name: "corp"}, unknownOwner).Prompt(ctx, &openvpn.Prompt{Kind: openvpn.PromptUserPass, AskPassword: true})
		}()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			for _, id := range waitingIDs(&s.prompts) {
				if !slices.Contains(before, id) {
					return id, ch
				}
			}
		}
		t.Fatal("the prompt never became pending")
		return "", nil
	}

	const realSecret = "real-secret-1"
	id, done := ask()
	if code := callAnswer(s, root, api.AnswerBody{ID: id, Password: realSecret}); code != http.StatusNoContent {
		t.Fatalf("root's answer to a waiting prompt: %d", code)
	}
	<-done
	// A tunnel whose owner is unknown (recovered, or started by root) may
	// be answered by root only.
	id, _ = ask()
	const stolen = "stolen-password"
	if code := callAnswer(s, user, api.AnswerBody{ID: id, Password: stolen}); code != http.StatusForbidden {
		t.Errorf("uid 1000 answering a prompt it does not own: %d, want 403", code)
	}
	const audit = "corp: disconnect requested by uid 65534"
	if code := callAnswer(s, user, api.AnswerBody{ID: "no-such-prompt", Password: "requested by uid 65534"}); code != http.StatusNotFound {
		t.Errorf("answer to no prompt: %d, want 404", code)
	}
	if got := dir.Redactor().Redact(audit); got != audit {
		t.Errorf("an answer to no prompt chose what the log loses: %q", got)
	}
	for i := range 100 {
		callAnswer(s, user, api.AnswerBody{ID: fmt.Sprintf("junk-%d", i), Password: fmt.Sprintf("junk-secret-%03d", i)})
	}

	r := dir.Redactor()
	for _, tt := range []struct{ line, want string }{
		{audit, audit},
		{"junk-secret-050", "junk-secret-050"},
		{"typed " + stolen, "typed " + stolen},
		{"typed " + realSecret, "typed " + logs.Marker},
	} {
		if got := r.Redact(tt.line); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func callAnswer(s *Server, p ipc.Peer, a api.AnswerBody) int {
	body, _ := json.Marshal(a)
	req := httptest.NewRequest(http.MethodPost, api.PathAnswer, bytes.NewReader(body))
	req = req.WithContext(context.WithValue(req.Context(), peerKey{}, peerResult{peer: p}))
	rec := httptest.NewRecorder()
	s.answer(rec, req)
	return rec.Code
}

func waitingIDs(ps *prompts) []string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var ids []string
	for id := range ps.waiting {
		ids = append(ids, id)
	}
	return ids
}
