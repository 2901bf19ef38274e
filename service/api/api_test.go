package api

import (
	"encoding/json"
	"testing"
	"time"
)

// The wire format is what the CLI, the GUI and scripts parse: these are
// the bytes version 1 has always sent, and new fields may only be added.
func TestWireFormat(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"state event", Event{Time: at, Kind: EventState, Tunnel: "corp", State: StateConnected, Message: "connected",
			Status: &Status{Profile: "corp", Device: "cvpn0", State: StateConnected, AuthMode: "userpass", Remote: "198.18.1.1:1194",
				Proto: "udp", Cipher: "AES-256-GCM", IPv4: "10.0.0.2", Started: at, ConnectedSince: &at, TxBytes: 1, RxBytes: 2,
				TxPackets: 3, RxPackets: 4, Reconnects: 5, Owner: 1000}},
			`{"time":"2026-01-02T03:04:05Z","kind":"state","tunnel":"corp","state":"connected","message":"connected",` +
				`"status":{"profile":"corp","device":"cvpn0","state":"connected","auth_mode":"userpass","remote":"198.18.1.1:1194",` +
				`"proto":"udp","cipher":"AES-256-GCM","ipv4":"10.0.0.2","started":"2026-01-02T03:04:05Z","connected_since":"2026-01-02T03:04:05Z",` +
				`"tx_bytes":1,"rx_bytes":2,"tx_packets":3,"rx_packets":4,"reconnects":5,"owner":1000}}`},
		{"ended", Event{Time: at, Kind: EventState, Tunnel: "corp", State: StateDisconnected, Message: "authentication failed", Reason: ReasonAuthFailed},
			`{"time":"2026-01-02T03:04:05Z","kind":"state","tunnel":"corp","state":"disconnected","message":"authentication failed","reason":"auth_failed"}`},
		{"prompt", Event{Time: at, Kind: EventPrompt, Tunnel: "corp", Prompt: &Prompt{ID: "ab", Tunnel: "corp", Kind: PromptUserPass,
			Username: "alice", AskPassword: true, Challenge: "code", Echo: true, Retry: "again"}},
			`{"time":"2026-01-02T03:04:05Z","kind":"prompt","tunnel":"corp","prompt":{"id":"ab","tunnel":"corp","kind":"userpass",` +
				`"username":"alice","ask_password":true,"challenge":"code","echo":true,"retry":"again"}}`},
		{"saml prompt", Prompt{ID: "cd", Tunnel: "aws", Kind: PromptSAML, URL: "https://idp.example.com/sso?x=1"},
			`{"id":"cd","tunnel":"aws","kind":"saml","url":"https://idp.example.com/sso?x=1"}`},
		{"answer", AnswerBody{ID: "ab", Username: "u", Password: "p", Response: "r"},
			`{"id":"ab","username":"u","password":"p","response":"r"}`},
		{"cancel", AnswerBody{ID: "ab", Cancel: true, Reason: ReasonSAMLTimeout}, `{"id":"ab","cancel":true,"reason":"saml_timeout"}`},
		{"connect", ConnectBody{Name: "corp", Profile: "client\n", EnforceRoutes: true},
			`{"name":"corp","profile":"client\n","enforce_routes":true}`},
		{"status", StatusBody{Version: "1", Tunnels: []Status{}, Sessions: SessionsInfo{Backend: "logind", Users: []string{"alice"}}},
			`{"version":"1","tunnels":[],"sessions":{"backend":"logind","users":["alice"]}}`},
		{"error", ErrorBody{Code: CodeNoPrompt, Message: "no"}, `{"code":"no_such_prompt","error":"no"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
