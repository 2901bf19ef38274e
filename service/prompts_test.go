package service

import (
	"testing"

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
// one once.
func TestPromptsSubscribe(t *testing.T) {
	var ps prompts
	ps.add(api.Prompt{ID: "1", Tunnel: "b"})
	ps.add(api.Prompt{ID: "2", Tunnel: "a"})
	pending, ch, stop := ps.subscribe()
	defer stop()
	if len(pending) != 2 || pending[0].ID != "2" || pending[1].ID != "1" {
		t.Errorf("pending %+v", pending)
	}
	if len(ch) != 0 {
		t.Errorf("a waiting prompt was also queued")
	}
	ps.add(api.Prompt{ID: "3", Tunnel: "c"})
	if p := <-ch; p.ID != "3" {
		t.Errorf("got %+v", p)
	}
	if !ps.answer(api.AnswerBody{ID: "3"}) || ps.answer(api.AnswerBody{ID: "3"}) {
		t.Error("an answer must be delivered exactly once")
	}
}
