package viewmodel

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/service/ipc"
)

// newStore is a real store with one user profile ("corp", imported from
// the profile package's sample) and one managed ("admin").
func newStore(t *testing.T) *profile.Store {
	t.Helper()
	dir := t.TempDir()
	managed := filepath.Join(dir, "managed")
	s := profile.NewStore(filepath.Join(dir, "user"), managed)
	e, err := s.Import("../../profile/testdata/generic-remotes.ovpn", "corp")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(e.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(managed, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(managed, "admin.ovpn"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// The real backend over a real store: list, rename (also a case-only
// one), remove, check; managed profiles refused.
func TestServiceStore(t *testing.T) {
	s := &Service{Store: newStore(t)}
	names := func() string {
		list, err := s.Profiles()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range list {
			n := e.Name
			if e.Managed {
				n += "(managed)"
			}
			out = append(out, n)
		}
		return strings.Join(out, ",")
	}
	if got := names(); got != "admin(managed),corp" {
		t.Fatalf("profiles %s", got)
	}
	if err := s.Rename("corp", "work"); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename("work", "Work"); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "admin(managed),Work" {
		t.Errorf("after renames: %s", got)
	}
	if err := s.Rename("admin", "mine"); !errors.Is(err, profile.ErrReadOnly) {
		t.Errorf("rename managed: %v", err)
	}
	if err := s.Remove("admin"); !errors.Is(err, profile.ErrReadOnly) {
		t.Errorf("remove managed: %v", err)
	}
	if err := s.Remove("Work"); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.ovpn")
	if err := os.WriteFile(bad, []byte("client\nremote vpn.example.com\nfrobnicate yes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	problems, err := s.Check(bad)
	if err != nil || len(problems) == 0 || problems[0].Line != 3 {
		t.Errorf("check: %+v %v", problems, err)
	}
}

// With no service on the socket, the Model says so with the client's own
// advice for this OS.
func TestServiceNotRunningReal(t *testing.T) {
	s := &Service{Client: client.New(filepath.Join(t.TempDir(), "nobody.sock")), Store: newStore(t)}
	h := start(t, s)
	v := h.waitFor("service down", func(v View) bool { return v.ServiceDown })
	if v.Error == nil || v.Error.Message != serviceDownMessage || v.Error.Advice != client.StartAdvice {
		t.Errorf("error %+v", v.Error)
	}
}

// fakeService speaks the local API on a real socket: a connect asks for
// a username and password, and an answer connects the tunnel, or ends it
// with the decline's reason.
type fakeService struct {
	answers  chan api.AnswerBody
	mu       sync.Mutex
	subs     []chan api.Event
	connects []api.ConnectBody
}

func (f *fakeService) send(ev api.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.subs {
		c <- ev
	}
}

func startService(t *testing.T) (*fakeService, *client.Client) {
	t.Helper()
	f := &fakeService{answers: make(chan api.AnswerBody, 4)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.PathEvents, func(w http.ResponseWriter, r *http.Request) {
		c := make(chan api.Event, 16)
		f.mu.Lock()
		f.subs = append(f.subs, c)
		f.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		enc := json.NewEncoder(w)
		for {
			select {
			case <-r.Context().Done():
				return
			case ev := <-c:
				_ = enc.Encode(ev)
				w.(http.Flusher).Flush()
			}
		}
	})
	mux.HandleFunc("POST "+api.PathConnect, func(w http.ResponseWriter, r *http.Request) {
		var body api.ConnectBody
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.connects = append(f.connects, body)
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(api.Status{Profile: body.Name, State: api.StateIdle})
		p := &api.Prompt{ID: "p1", Tunnel: body.Name, Kind: api.PromptUserPass, AskUsername: true, AskPassword: true}
		f.send(api.Event{Kind: api.EventPrompt, Tunnel: body.Name, Prompt: p})
	})
	mux.HandleFunc("POST "+api.PathAnswer, func(w http.ResponseWriter, r *http.Request) {
		var body api.AnswerBody
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.answers <- body
		w.WriteHeader(http.StatusNoContent)
		ev := api.Event{Kind: api.EventState, Tunnel: "corp", State: api.StateConnected, Status: &api.Status{Profile: "corp", State: api.StateConnected, IPv4: "10.8.0.2"}}
		if body.Cancel {
			ev = api.Event{Kind: api.EventState, Tunnel: "corp", State: api.StateDisconnected, Reason: body.Reason, Message: "sign-in canceled"}
		}
		f.send(ev)
	})
	sock := filepath.Join(t.TempDir(), "cvpn.sock")
	l, err := ipc.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })
	return f, client.New(sock)
}

// Through the real usersession and client against a service on a real
// socket: the dialog's answer reaches the service, and closing the
// dialog declines the prompt with api.ReasonCanceled.
func TestServiceSignIn(t *testing.T) {
	keyring.MockInit()
	for _, cancel := range []bool{false, true} {
		f, c := startService(t)
		s := &Service{Client: c, Store: newStore(t), Logf: t.Logf}
		h := start(t, s)
		h.waitFor("the service", func(v View) bool { return len(v.Rows) == 2 && !v.ServiceDown })
		for { // the app's own stream must be up to see the result
			f.mu.Lock()
			n := len(f.subs)
			f.mu.Unlock()
			if n > 0 {
				break
			}
			runtime.Gosched()
		}
		h.m.Connect("corp")
		v := h.waitFor("the dialog", func(v View) bool { return v.SignIn != nil })
		if cancel {
			h.m.CancelSignIn(v.SignIn.ID)
		} else if err := h.m.Answer(v.SignIn.ID, SignInAnswer{Username: "alice", Password: "pw"}); err != nil {
			t.Fatal(err)
		}
		got := <-f.answers
		want := api.AnswerBody{ID: "p1", Username: "alice", Password: "pw"}
		if cancel {
			want = api.AnswerBody{ID: "p1", Cancel: true, Reason: api.ReasonCanceled}
		}
		if got != want {
			t.Errorf("cancel %v: the service got %+v, want %+v", cancel, got, want)
		}
		wantState := api.StateConnected
		if cancel {
			wantState = api.StateDisconnected
		}
		v = h.waitFor("the end", func(v View) bool {
			return !row(v, "corp").Connecting && v.SignIn == nil && row(v, "corp").State == wantState
		})
		if v.Error != nil {
			t.Errorf("cancel %v: error %+v", cancel, v.Error)
		}
		h.m.Close()
	}
}
