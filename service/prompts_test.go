package service

import (
	"testing"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

// Every engine prompt reaches the API with its kind and what the user
// must be told, and nothing else.
func TestDescribe(t *testing.T) {
	tests := []struct {
		name string
		in   openvpn.Prompt
		want Prompt
	}{
		{"userpass", openvpn.Prompt{Kind: openvpn.PromptUserPass, Username: "alice", AskPassword: true,
			StaticChallenge: &profile.StaticChallenge{Text: "code", Echo: true}},
			Prompt{Kind: "userpass", Username: "alice", AskPassword: true, Challenge: "code", Echo: true}},
		{"challenge", openvpn.Prompt{Kind: openvpn.PromptChallenge, Challenge: &push.Challenge{Text: "PIN?", Username: "bob"}},
			Prompt{Kind: "challenge", Username: "bob", Challenge: "PIN?"}},
		{"passphrase", openvpn.Prompt{Kind: openvpn.PromptPassphrase, Profile: "corp"},
			Prompt{Kind: "passphrase", AskPassword: true}},
		{"passphrase again", openvpn.Prompt{Kind: openvpn.PromptPassphrase, Retry: "wrong passphrase"},
			Prompt{Kind: "passphrase", AskPassword: true, Retry: "wrong passphrase"}},
		{"proxy", openvpn.Prompt{Kind: openvpn.PromptProxyAuth, Proxy: "proxy.example.com:3128", AskUsername: true, AskPassword: true},
			Prompt{Kind: "proxy", Proxy: "proxy.example.com:3128", AskUsername: true, AskPassword: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := describe("corp", &tt.in)
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
