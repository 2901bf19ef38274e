package saml

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// testHookListening, if set, learns SignIn's bound address (tests use
// AnyPort and play the browser).
var testHookListening func(net.Addr)

// SignIn runs a whole browser sign-in: it listens on 127.0.0.1 (o.Port),
// calls o.OnURL, opens u in the browser, and waits up to o.Timeout for the
// SAML response, which it returns. The URL is checked before anything
// starts. A browser that cannot be opened is logged, not fatal: the user
// can open the URL by hand (OnURL shows it) until the timeout, whose error
// then says that no browser opened.
func SignIn(ctx context.Context, u string, o Options) (string, error) {
	if err := CheckURL(u); err != nil {
		return "", err
	}
	// The timeout counts from the start: opening the browser may take a
	// moment, and the message names the whole wait.
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	l, err := Listen(ctx, o)
	if err != nil {
		return "", err
	}
	defer l.Close()
	if testHookListening != nil {
		testHookListening(l.Addr())
	}
	if o.OnURL != nil {
		o.OnURL(u)
	}
	browserErr := OpenBrowser(u, o)
	if browserErr != nil {
		o.logf("saml: %v", browserErr)
	}
	a, err := l.Wait(ctx)
	if err != nil {
		var te *timeoutError
		var be *browserError
		if errors.As(err, &te) && errors.As(browserErr, &be) {
			te.notes = append(te.notes, fmt.Sprintf("no browser opened with %s: %v", be.what, be.cause))
		}
		return "", err
	}
	return a, nil
}
