package logs

import (
	"fmt"
	"math/rand/v2"
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
	r.RegisterSecret("horses")
	r.RegisterSecret("push")                              // too short: a second-factor word, ignored
	r.RegisterSecret(strings.Repeat("x", MaxSecretLen+1)) // too long, ignored
	r.RegisterSecret("abcabd")
	r.RegisterSecret("123456")
	tests := []struct{ in, want string }{
		{"typed correct horse here", "typed [redacted] here"},
		{"two horses", "two [redacted]"},
		{"a push notification", "a push notification"},
		{"xxxxxxxx", "xxxxxxxx"},
		{"nothing", "nothing"},
		{"", ""},
		// a match that starts inside a failed one
		{"abcabcabd!", "abc[redacted]!"},
		// overlapping and touching occurrences become one marker
		{"correct horses", "[redacted]"},
		{"123456123456", "[redacted]"},
		{"1234567", "[redacted]7"},
		{"horse", "horse"},
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

// Each registration evicts the oldest beyond maxSecrets, and only then.
func TestRedactorKeepsNewest(t *testing.T) {
	var r Redactor
	for i := range maxSecrets + 1 {
		r.RegisterSecret(fmt.Sprintf("secret-%03d", i))
	}
	if got := r.Redact("secret-000"); got != "secret-000" {
		t.Errorf("the oldest secret survived %d newer ones: %q", maxSecrets, got)
	}
	for _, s := range []string{"secret-001", fmt.Sprintf("secret-%03d", maxSecrets)} {
		if got := r.Redact(s); got != Marker {
			t.Errorf("Redact(%q) = %q", s, got)
		}
	}
}

func BenchmarkRedactOrdinary(b *testing.B) {
	line := "2026-01-02T03:04:05Z INFO control channel: TLS handshake complete, cipher AES-256-GCM, peer vpn.example.com"
	b.ReportAllocs()
	for b.Loop() {
		_ = Redact(line)
	}
}

// A registered secret costs every later log line; one chosen to be long
// and repetitive must not make a line cost more than a pass over it (the
// old replacer took ~10 s for a 128 KB line with such a secret).
func BenchmarkRedactorRepetitiveSecret(b *testing.B) {
	var r Redactor
	// Never found in the line, but every position of it begins a match
	// that fails only at the secret's end.
	r.RegisterSecret(strings.Repeat("a", 4<<10-1) + "b")
	r.RegisterSecret(strings.Repeat("a", 2<<10) + "c")
	for _, n := range []int{1 << 10, 16 << 10} {
		line := strings.Repeat("a", n)
		b.Run(fmt.Sprintf("line=%dKB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				_ = r.Redact(line)
			}
		})
	}
}

// The same with the most secrets the redactor keeps, each as long as it
// accepts, on an ordinary line: the cost must not grow with them.
func BenchmarkRedactorFullList(b *testing.B) {
	var r Redactor
	for i := range maxSecrets {
		r.RegisterSecret(strings.Repeat(string(rune('a'+i%26)), 4<<10-i))
	}
	line := "2026-01-02T03:04:05Z INFO control channel: TLS handshake complete, cipher AES-256-GCM, peer vpn.example.com " + strings.Repeat("a", 900)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Redact(line)
	}
}

// The registered-secret pass alone, against the strings.Replacer it
// replaced, on a secret chosen to be its worst case: the replacer's cost
// grows with line × secret length, the automaton's with the line only.
func BenchmarkSecretPass(b *testing.B) {
	secrets := []string{strings.Repeat("a", MaxSecretLen-1) + "b", strings.Repeat("a", 2<<10) + "c"}
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, Marker)
	}
	impls := []struct {
		name    string
		replace func(string) string
	}{
		{"replacer", strings.NewReplacer(pairs...).Replace},
		{"automaton", newSecretMatcher(secrets).replace},
	}
	for _, impl := range impls {
		for _, n := range []int{1 << 10, 16 << 10} {
			line := strings.Repeat("a", n)
			b.Run(fmt.Sprintf("%s/line=%dKB", impl.name, n>>10), func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					_ = impl.replace(line)
				}
			})
		}
	}
}

// The automaton removes exactly the bytes that some occurrence of some
// secret covers, each run of them as one Marker: checked against a
// brute-force search on random lines and secrets over a small alphabet,
// where occurrences overlap, nest and touch.
func TestSecretMatcherAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abc"[rng.IntN(3)]
		}
		return string(b)
	}
	for range 2000 {
		secrets := make([]string, 1+rng.IntN(4))
		for i := range secrets {
			secrets[i] = word(1 + rng.IntN(5))
		}
		line := word(rng.IntN(40))
		covered := make([]bool, len(line))
		for _, s := range secrets {
			for i := 0; i+len(s) <= len(line); i++ {
				if line[i:i+len(s)] == s {
					for j := i; j < i+len(s); j++ {
						covered[j] = true
					}
				}
			}
		}
		var want strings.Builder
		for i := 0; i < len(line); i++ {
			switch {
			case !covered[i]:
				want.WriteByte(line[i])
			case i == 0 || !covered[i-1]:
				want.WriteString(Marker)
			}
		}
		if got := newSecretMatcher(secrets).replace(line); got != want.String() {
			t.Fatalf("secrets %q in %q: got %q, want %q", secrets, line, got, want.String())
		}
	}
}
