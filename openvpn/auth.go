package openvpn

import (
	"context"
	"fmt"

	"github.com/cvpn/cvpn/openvpn/keymethod2"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

// authState is what the session knows about signing in: the profile's
// credentials or the user's answers, a pushed auth-token, and a pending
// dynamic-challenge answer. Only the session goroutine uses it.
type authState struct {
	prof *profile.Profile
	need bool

	user, pass, response string
	have                 bool
	// responseUsed: the static-challenge response went into a connection;
	// one-time codes cannot be sent again, so the next connection without
	// an auth-token asks again.
	responseUsed bool

	token     push.Secret
	tokenUser string

	// crv1 answers the server's dynamic challenge on the next connection.
	crv1 *keymethod2.Credentials
	// retry is the server's reason to show when asking again.
	retry   string
	lastErr error
	// wasConnected: a connection came up before, so a new browser
	// sign-in (AWS SAML) is a second one, and the user is told why.
	wasConnected bool
}

func (a *authState) init(p *profile.Profile) {
	a.prof = p
	a.need = p.Auth.UserPass || p.Auth.Federated
	a.user, a.pass = p.Auth.Username, p.Auth.Password
	if p.Auth.Federated {
		// AWS's SAML flow: the first connection announces the ACS port
		// and gets a CRV1 challenge carrying the IdP's URL.
		a.user, a.pass, a.have = "N/A", "ACS::35001", true
	}
}

// prepare makes sure the next connection has credentials, asking the
// Prompter if needed.
func (a *authState) prepare(ctx context.Context, s *Session) error {
	if !a.need || a.crv1 != nil || a.token != "" {
		return nil
	}
	sc := a.prof.Auth.StaticChallenge
	if a.prof.Auth.Federated {
		return nil
	}
	if a.have && !(sc != nil && a.responseUsed) {
		return nil
	}
	if !a.have && a.retry == "" && a.user != "" && a.pass != "" && sc == nil {
		a.have = true
		return nil
	}
	if s.opts.Prompter == nil {
		if a.lastErr != nil {
			return fatal(a.lastErr)
		}
		return fatal(ErrNoCredentials)
	}
	req := &Prompt{
		Kind: PromptUserPass, Profile: a.prof.Name, Username: a.user,
		AskUsername: a.user == "", AskPassword: a.pass == "" || a.retry != "",
		StaticChallenge: sc, Retry: a.retry,
	}
	ans, err := s.opts.Prompter.Prompt(ctx, req)
	if err != nil {
		return fatal(fmt.Errorf("ask for credentials: %w", err))
	}
	if req.AskUsername {
		a.user = ans.Username
	}
	if req.AskPassword {
		a.pass = ans.Password
	}
	a.response, a.have, a.responseUsed, a.retry = ans.Response, true, false, ""
	return nil
}

// credentials returns the username and password for a new key state's
// key-method 2, and whether they are an auth-token. Renegotiations never
// use a challenge answer: it was for the first key only.
func (a *authState) credentials(reneg bool) (*keymethod2.Credentials, bool) {
	if !a.need {
		return nil, false
	}
	if !reneg && a.crv1 != nil {
		c := a.crv1
		a.crv1 = nil
		return c, false
	}
	if a.token != "" {
		u := a.tokenUser
		if u == "" {
			u = a.user
		}
		return &keymethod2.Credentials{Username: u, Password: a.token.Reveal()}, true
	}
	pass := a.pass
	if sc := a.prof.Auth.StaticChallenge; sc != nil && !a.prof.Auth.Federated {
		pass = keymethod2.StaticChallengePassword(a.pass, a.response)
		a.responseUsed = true
	}
	return &keymethod2.Credentials{Username: a.user, Password: pass}, false
}

func (a *authState) setToken(t push.Secret, user string) {
	a.token, a.tokenUser = t, user
}

// connected is called once a connection is up.
func (a *authState) connected() { a.lastErr, a.wasConnected = nil, true }

// failed decides what an AUTH_FAILED means for the next attempt: retry
// (after dropping a stale token, or asking again) or stop.
func (a *authState) failed(e *AuthError, usedToken bool) (retry bool) {
	a.lastErr = e
	if usedToken || e.Kind == push.AuthFailSession {
		a.token, a.tokenUser = "", ""
		return true
	}
	if a.prof.Auth.Federated {
		// The server refused a fresh SAML sign-in: another browser
		// round would only be refused again (AWS profiles say
		// auth-retry interact, which would loop through the browser).
		return false
	}
	switch a.prof.Auth.Retry {
	case profile.AuthRetryNoInteract:
		return true
	case profile.AuthRetryInteract:
		a.have, a.retry = false, e.Reason
		if a.retry == "" {
			a.retry = "the server refused the credentials"
		}
		return true
	}
	return false
}

// challenge records the answer to a CRV1 dynamic challenge for the next
// connection.
func (a *authState) challenge(ctx context.Context, s *Session, c *push.Challenge) error {
	if s.opts.Prompter == nil {
		return fatal(fmt.Errorf("the server asks a challenge question (%s) but there is no prompter to ask it", c.Text))
	}
	req := &Prompt{Kind: PromptChallenge, Profile: a.prof.Name, Username: c.Username, Challenge: c}
	if a.prof.Auth.Federated && a.wasConnected {
		// An assertion is good for one connection, and the server
		// gave no auth-token (or it expired): the browser opens again.
		req.Retry = "the connection had to be made again and the server wants a new sign-in (a sign-in is good for one connection)"
	}
	ans, err := s.opts.Prompter.Prompt(ctx, req)
	if err != nil {
		return fatal(fmt.Errorf("answer the challenge: %w", err))
	}
	pass, err := keymethod2.DynamicChallengePassword(c.StateID, ans.Response)
	if err != nil {
		return fatal(fmt.Errorf("answer the challenge: %w", err))
	}
	a.crv1 = &keymethod2.Credentials{Username: c.Username, Password: pass}
	return nil
}
