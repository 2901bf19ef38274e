package logs

import (
	"regexp"
	"strings"
	"sync"
)

// Marker replaces every secret that redaction removes. It is fixed so that
// support staff can grep for it and so that tests can assert on it.
const Marker = "[redacted]"

// minSecretLen is the shortest registered secret we honour. A registered
// secret is removed from every later line, so a short one shreds ordinary
// text: the second-factor words some servers take as the password
// ("push", "sms", "phone") would scrub every PUSH_REPLY line. Six bytes
// still covers a six-digit one-time code and any real password; a shorter
// answer (a 4-digit PIN, a menu choice) is left to the pattern rules —
// nothing in cvpn logs an answer, so registration is only the second line
// of defence.
const minSecretLen = 6

// MaxSecretLen is the longest registered secret we honour: OpenVPN's own
// limit on a password (USER_PASS_LEN, 4096 bytes in 2.6, sized for tokens
// used as passwords). Longer answers are SAML assertions, which the blob
// rule removes, and keeping them would let one answer fill memory.
const MaxSecretLen = 4096

// maxSecrets bounds the registered-secret list so a long-running service that
// registers a secret per attempt cannot grow without limit; the oldest go first.
const maxSecrets = 64

// minBlobLen is the length of an unbroken base64 run that we treat as an
// opaque credential (SAML assertions, tokens). Ordinary log words, paths and
// hex digests are far shorter.
const minBlobLen = 100

// rule is one pattern-based redaction. trigger is a cheap, case-insensitive
// substring test that must pass before the regexp runs, which keeps
// ordinary lines from ever reaching the regexp engine.
type rule struct {
	trigger string
	re      *regexp.Regexp
	repl    string
}

var rules = []rule{
	{"private key", regexp.MustCompile(`(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)`), Marker},
	{"samlresponse", regexp.MustCompile(`(?i)(SAMLResponse["']?\s*[=:]\s*["']?)[^&\s"']*`), "${1}" + Marker},
	{"crv1", regexp.MustCompile(`\bCRV1::[^\s]*`), "CRV1::" + Marker},
	{"scrv1", regexp.MustCompile(`\bSCRV1:[^\s]*`), "SCRV1:" + Marker},
	{"auth-token", regexp.MustCompile(`(?i)(auth-token\s+)[^\s,]+`), "${1}" + Marker},
	{"sess_id", regexp.MustCompile(`SESS_ID\S*`), Marker},
	{"password", regexp.MustCompile(`(?i)(\bpassword\s+"[^"]*"\s+)("[^"]*"|\S+)`), "${1}" + Marker},
	{"pass", regexp.MustCompile(`(?i)(\b(?:password|passwd|pass|pwd|secret|token)["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;]+)`), "${1}" + Marker},
}

// Redact removes well-known secret shapes from s: private key PEM blocks,
// SAML responses, CRV1/SCRV1 answers, auth tokens, password assignments and
// long base64 blobs. It knows nothing about secrets registered at run time;
// use a Redactor for those.
func Redact(s string) string {
	for _, r := range rules {
		if containsFold(s, r.trigger) {
			s = r.re.ReplaceAllString(s, r.repl)
		}
	}
	return redactBlobs(s)
}

// Redactor is Redact plus the exact secrets this process learned at run
// time (the password the user just typed, a session token), which no
// pattern could recognise. The zero value is ready to use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
	matcher *secretMatcher
}

// RegisterSecret makes every later Redact call replace s. Strings shorter
// than minSecretLen or longer than MaxSecretLen are ignored. Callers must
// register only secrets the process really received (an answer to a
// prompt that exists): a registered string is scrubbed from every later
// line, and the newest maxSecrets evict the older ones.
func (r *Redactor) RegisterSecret(s string) {
	if len(s) < minSecretLen || len(s) > MaxSecretLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.secrets {
		if have == s {
			return
		}
	}
	r.secrets = append(r.secrets, s)
	if len(r.secrets) > maxSecrets {
		r.secrets = r.secrets[len(r.secrets)-maxSecrets:]
	}
	r.matcher = newSecretMatcher(r.secrets)
}

// Redact removes registered secrets first (before patterns could split
// them), then the pattern-based shapes. Its cost is linear in len(s)
// whatever the secrets are (see secretMatcher).
func (r *Redactor) Redact(s string) string {
	if r != nil {
		r.mu.RLock()
		m := r.matcher
		r.mu.RUnlock()
		if m != nil {
			s = m.replace(s)
		}
	}
	return Redact(s)
}

// redactBlobs replaces runs of at least minBlobLen base64 characters. It is
// a hand-written scan rather than a regexp because it runs on every line.
func redactBlobs(s string) string {
	if len(s) < minBlobLen {
		return s
	}
	var b strings.Builder
	last, run := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isBase64(s[i]) {
			run++
			continue
		}
		if run >= minBlobLen {
			if b.Len() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[last : i-run])
			b.WriteString(Marker)
			last = i
		}
		run = 0
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

// containsFold reports whether s contains the lower-case ASCII needle,
// ignoring ASCII case, without allocating.
func containsFold(s, needle string) bool {
	n := len(needle)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}
