package usersession

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cvpn/cvpn/service/api"
)

// A SAML prompt runs the browser sign-in at the prompt's URL, shows the
// URL through the Asker, and answers with the assertion.
func TestAnswererSAML(t *testing.T) {
	const idp = "https://idp.example.com/sso?SAMLRequest=x"
	old := signIn
	t.Cleanup(func() { signIn = old })
	var gotURL string
	var gotTimeout time.Duration
	signIn = func(ctx context.Context, url string, o signInOptions) (string, error) {
		gotURL, gotTimeout = url, o.Timeout
		o.OnURL(url)
		return "PHNhbWxwOlJlc3BvbnNl", nil
	}
	ask := &fakeAsker{}
	x := &Answerer{Profile: "aws", Ask: ask}
	got, err := x.Answer(context.Background(), &api.Prompt{Kind: api.PromptSAML, URL: idp})
	if err != nil || got.Response != "PHNhbWxwOlJlc3BvbnNl" {
		t.Fatalf("answer %+v %v", got, err)
	}
	if gotURL != idp || gotTimeout != DefaultSignInTimeout || len(ask.urls) != 1 || ask.urls[0] != idp {
		t.Errorf("sign-in at %q (timeout %v), shown %v", gotURL, gotTimeout, ask.urls)
	}
	if len(ask.methods) != 0 {
		t.Errorf("a SAML sign-in asked the user %v", ask.methods)
	}
}

// Why a prompt is declined: a browser sign-in out of time is saml_timeout,
// anything else a plain cancel.
func TestCancelReason(t *testing.T) {
	saml := &api.Prompt{Kind: api.PromptSAML}
	code := &api.Prompt{Kind: api.PromptChallenge}
	tests := []struct {
		name string
		p    *api.Prompt
		err  error
		want api.Reason
	}{
		{"sign-in timeout", saml, ErrSignInTimeout, api.ReasonSAMLTimeout},
		{"sign-in deadline", saml, context.DeadlineExceeded, api.ReasonSAMLTimeout},
		{"sign-in failed", saml, errNoBrowserSignIn, api.ReasonCanceled},
		{"code deadline", code, context.DeadlineExceeded, api.ReasonCanceled},
		{"declined", code, errors.New("closed the dialog"), api.ReasonCanceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cancelReason(tt.p, tt.err); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// A web-auth page is shown and opened; a browser that will not open is
// not fatal, since the user can open the address by hand.
func TestAnswererWebAuth(t *testing.T) {
	old := openURL
	t.Cleanup(func() { openURL = old })
	var opened string
	openURL = func(url string, _ signInOptions) error { opened = url; return errors.New("no display") }
	ask := &fakeAsker{}
	var out logs
	x := &Answerer{Profile: "corp", Ask: ask, Logf: out.logf}
	const page = "https://vpn.example.com/auth/42"
	if _, err := x.Answer(context.Background(), &api.Prompt{Kind: api.PromptWebAuth, URL: page}); err != nil {
		t.Fatal(err)
	}
	if opened != page || len(ask.urls) != 1 || len(out) != 1 {
		t.Errorf("opened %q, shown %v, logged %v", opened, ask.urls, out)
	}
}
