package usersession

import (
	"context"
	"errors"
	"fmt"

	"github.com/cvpn/cvpn/saml"
)

// The browser flow is package saml's: the 127.0.0.1:35001 listener that
// receives the IdP's POST, and the browser (a setting, CVPN_BROWSER, else
// the system's). Its timeout becomes ErrSignInTimeout here, so that the
// service hears api.ReasonSAMLTimeout.
func init() {
	signIn = func(ctx context.Context, url string, o signInOptions) (string, error) {
		a, err := saml.SignIn(ctx, url, saml.Options{Browser: o.Browser, Timeout: o.Timeout, Logf: o.Logf, OnURL: o.OnURL})
		if errors.Is(err, saml.ErrTimeout) {
			return "", fmt.Errorf("%w: %w", ErrSignInTimeout, err)
		}
		return a, err
	}
	openURL = func(url string, o signInOptions) error {
		return saml.OpenBrowser(url, saml.Options{Browser: o.Browser, Logf: o.Logf})
	}
}
