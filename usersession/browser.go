package usersession

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/service/api"
)

// Browser sign-ins run here, in the user's process: the browser and the
// 127.0.0.1 listener that receives the IdP's POST are the user's, never
// the root service's. The service asks (api.PromptSAML, api.PromptWebAuth)
// and gets the assertion, or nothing, as the answer.

// DefaultSignInTimeout is how long a browser sign-in may take. It is
// shorter than the service's wait for a SAML answer, so the user's side
// gives up first and says why (api.ReasonSAMLTimeout).
const DefaultSignInTimeout = 5 * time.Minute

// ErrSignInTimeout is wrapped by a browser sign-in the user did not finish
// in time.
var ErrSignInTimeout = errors.New("the browser sign-in was not finished in time")

// errNoBrowserSignIn is what a build without the browser flow answers.
var errNoBrowserSignIn = errors.New("browser sign-in is not available in this build")

// signInOptions is what a browser sign-in needs from the Answerer.
type signInOptions struct {
	Browser string
	Timeout time.Duration
	Logf    func(string, ...any)
	OnURL   func(string)
}

// signIn runs a SAML sign-in at url and returns the assertion; openURL
// opens a web-auth page. They are variables so that tests replace them
// and the browser flow is wired in one place (saml.go).
var (
	signIn = func(ctx context.Context, url string, o signInOptions) (string, error) {
		return "", errNoBrowserSignIn
	}
	openURL = func(url string, o signInOptions) error { return errNoBrowserSignIn }
)

func (x *Answerer) signInOptions(p *api.Prompt) signInOptions {
	o := signInOptions{Browser: x.Browser, Timeout: x.SignInTimeout, Logf: x.Logf}
	if o.Timeout <= 0 {
		o.Timeout = DefaultSignInTimeout
	}
	if x.Ask != nil {
		o.OnURL = func(u string) { x.Ask.SignInAt(p, u) }
	}
	return o
}

// saml answers a PromptSAML with the assertion the IdP posts back.
func (x *Answerer) saml(ctx context.Context, p *api.Prompt) (Answer, error) {
	if p.URL == "" {
		return Answer{}, errors.New("sign-in: the server sent no address to sign in at")
	}
	a, err := signIn(ctx, p.URL, x.signInOptions(p))
	if err != nil {
		return Answer{}, fmt.Errorf("browser sign-in: %w", err)
	}
	return Answer{Response: a}, nil
}

// webAuth opens the page of an OpenVPN web-auth sign-in. The answer is
// empty: the server learns from its own web page when the user is done.
// A browser that cannot be opened is not fatal, since the user was shown
// the address and can open it by hand.
func (x *Answerer) webAuth(_ context.Context, p *api.Prompt) (Answer, error) {
	if p.URL == "" {
		return Answer{}, errors.New("sign-in: the server sent no address to sign in at")
	}
	o := x.signInOptions(p)
	if o.OnURL != nil {
		o.OnURL(p.URL)
	}
	if err := openURL(p.URL, o); err != nil {
		x.logf("warning: could not open the browser: %v", err)
	}
	return Answer{}, nil
}

// cancelReason is the reason sent with a prompt the user's side could not
// answer: a browser sign-in that ran out of time is told apart from a
// refusal.
func cancelReason(p *api.Prompt, err error) api.Reason {
	if p.Kind == api.PromptSAML && (errors.Is(err, ErrSignInTimeout) || errors.Is(err, context.DeadlineExceeded)) {
		return api.ReasonSAMLTimeout
	}
	return api.ReasonCanceled
}
