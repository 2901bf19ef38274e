package logs

import (
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Marker replaces every secret that redaction removes. It is fixed so that
// support staff can grep for it and so that tests can assert on it.
const Marker = "[redacted]"

// minSecretLen is the shortest registered secret we honour. Replacing one- to
// three-character strings would shred ordinary text while protecting almost
// nothing, so such secrets are ignored.
const minSecretLen = 4

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
	mu       sync.RWMutex
	secrets  []string
	replacer *strings.Replacer
}

// RegisterSecret makes every later Redact call replace s. Short strings are
// ignored (see minSecretLen).
func (r *Redactor) RegisterSecret(s string) {
	if len(s) < minSecretLen {
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
	// Longest first, so a secret that contains another is replaced whole.
	sorted := append([]string(nil), r.secrets...)
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	pairs := make([]string, 0, 2*len(sorted))
	for _, v := range sorted {
		pairs = append(pairs, v, Marker)
	}
	r.replacer = strings.NewReplacer(pairs...)
}

// Redact removes registered secrets first (before patterns could split
// them), then the pattern-based shapes.
func (r *Redactor) Redact(s string) string {
	if r != nil {
		r.mu.RLock()
		rep := r.replacer
		r.mu.RUnlock()
		if rep != nil {
			s = rep.Replace(s)
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
