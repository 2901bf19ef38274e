package openvpn

import (
	"context"
	"net/url"
	"testing"

	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

// FuzzPendingPrompt runs INFO/INFO_PRE messages through what the session
// asks the user: never a panic, a browser only for an http(s) URL with a
// host and only when the user's side said it can open one, a question only
// when there is someone to answer it.
func FuzzPendingPrompt(f *testing.F) {
	for _, s := range []string{
		"INFO_PRE,WEB_AUTH::https://sso.example/x?s=1:2",
		"INFO_PRE,WEB_AUTH:proxy=[::1];8080;dQ==;cA==,external:http://x/",
		"INFO_PRE,OPEN_URL:http://10.0.0.1:8080/a",
		"INFO_PRE,OPEN_URL:calc.exe",
		"INFO_PRE,WEB_AUTH::file:///etc/passwd",
		"INFO_PRE,CR_TEXT:E,R:Your PIN?",
		"INFO_PRE,hello", // neither: once a nil dereference when called directly
		"INFO,WEB_AUTH::javascript:alert(1)",
	} {
		f.Add(s, byte(3))
	}
	pr := PrompterFunc(func(context.Context, *Prompt) (*Answer, error) { return &Answer{}, nil })
	f.Fuzz(func(t *testing.T, msg string, sel byte) {
		m, ok := push.ParseMessage(msg).(*push.Info)
		if !ok {
			return
		}
		opts := Options{WebAuth: sel&1 != 0}
		if sel&2 != 0 {
			opts.Prompter = pr
		}
		l := &link{s: &Session{prof: &profile.Profile{Name: "corp"}, opts: opts, logf: func(string, ...any) {}}}
		p, err := l.pendingPrompt(m)
		if p == nil {
			return
		}
		if err != nil {
			t.Fatalf("prompt %+v with error %v", p, err)
		}
		if opts.Prompter == nil {
			t.Fatalf("prompt %+v without a prompter", p)
		}
		switch p.Kind {
		case PromptWebAuth:
			u, err := url.Parse(p.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !opts.WebAuth {
				t.Fatalf("browser asked to open %q (web auth announced: %v)", p.URL, opts.WebAuth)
			}
		case PromptChallenge:
			if m.CRText == nil || p.Challenge == nil || p.Challenge.Text != m.CRText.Text {
				t.Fatalf("question %+v from %q", p.Challenge, msg)
			}
		default:
			t.Fatalf("prompt kind %d", p.Kind)
		}
	})
}
