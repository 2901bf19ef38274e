package logs

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	blob := strings.Repeat("QUJDREVGR0g=", 20) // 240 base64 chars
	tests := []struct {
		name, in, want string
	}{
		{"ordinary", "connecting to vpn.example.com:443 over udp", "connecting to vpn.example.com:443 over udp"},
		{"ordinary path", "/usr/lib/x86_64-linux-gnu/libc.so.6 loaded", "/usr/lib/x86_64-linux-gnu/libc.so.6 loaded"},
		{"ordinary word pass", "test passed in 3 passes", "test passed in 3 passes"},
		{"password assignment", "user=alice password=hunter22 ok", "user=alice password=[redacted] ok"},
		{"password colon quoted", `{"password": "s3 cr3t"}`, `{"password": [redacted]}`},
		{"mgmt password", `password "Auth" hunter22`, `password "Auth" [redacted]`},
		{"saml form", "POST SAMLResponse=PHNhbWxwOlJlc3BvbnNl&RelayState=x", "POST SAMLResponse=[redacted]&RelayState=x"},
		{"crv1 response", "sending CRV1::Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l::8c7f2a", "sending CRV1::[redacted]"},
		{"crv1 challenge kept", "CRV1:R,E:Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l:YWxpY2U=:Enter code", "CRV1:R,E:Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l:YWxpY2U=:Enter code"},
		{"scrv1", "SCRV1:aHVudGVyMg==:MTIzNDU2 sent", "SCRV1:[redacted] sent"},
		{"auth-token push", "PUSH_REPLY,route 10.0.0.0,auth-token SESS_ID_AT_abc123,ping 10", "PUSH_REPLY,route 10.0.0.0,auth-token [redacted],ping 10"},
		{"session id alone", "reusing SESS_ID_AT_Zm9vYmFy now", "reusing [redacted] now"},
		{"long blob", "token blob " + blob + " end", "token blob [redacted] end"},
		{"pem", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAAA\n-----END RSA PRIVATE KEY-----\nafter", "key:\n[redacted]\nafter"},
		{"pem unterminated", "-----BEGIN PRIVATE KEY-----\nMIIEow", "[redacted]"},
		{"certificate kept", "-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactorSecrets(t *testing.T) {
	var r Redactor
	r.RegisterSecret("correct horse")
	r.RegisterSecret("horse")
	r.RegisterSecret("abc") // too short, ignored
	tests := []struct{ in, want string }{
		{"typed correct horse here", "typed [redacted] here"},
		{"a horse", "a [redacted]"},
		{"abc stays", "abc stays"},
		{"nothing", "nothing"},
	}
	for _, tt := range tests {
		if got := r.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var nilR *Redactor
	if got := nilR.Redact("password=x1"); got != "password=[redacted]" {
		t.Errorf("nil redactor: %q", got)
	}
}

func BenchmarkRedactOrdinary(b *testing.B) {
	line := "2026-01-02T03:04:05Z INFO control channel: TLS handshake complete, cipher AES-256-GCM, peer vpn.example.com"
	b.ReportAllocs()
	for b.Loop() {
		_ = Redact(line)
	}
}
