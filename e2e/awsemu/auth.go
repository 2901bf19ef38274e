package awsemu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"
)

// AWS's service provider, as its SAML application is set up in an IdP:
// the entity id AWS documents, and the AWS client's local ACS.
const (
	EntityID = "urn:amazon:webservices:clientvpn"
	ACSURL   = "http://127.0.0.1:35001/"
)

// ServiceProvider returns the SP that verifies assertions for the
// emulator: AWS's entity id, trusting idpMetadata, with the ACS at acsURL
// (empty means AWS's, ACSURL; tests outside a network namespace may use
// another port so as not to collide with other tests). It neither signs
// requests nor decrypts assertions, as AWS's does not.
func ServiceProvider(idpMetadata *saml.EntityDescriptor, acsURL string) (*saml.ServiceProvider, error) {
	if acsURL == "" {
		acsURL = ACSURL
	}
	acs, err := url.Parse(acsURL)
	if err != nil {
		return nil, err
	}
	return &saml.ServiceProvider{
		EntityID:    EntityID,
		AcsURL:      *acs,
		MetadataURL: *acs,
		IDPMetadata: idpMetadata,
		ReplayCache: &replayCache{seen: map[string]time.Time{}},
	}, nil
}

// SPMetadata is the SP's metadata, for registering it with an IdP. It does
// not depend on the IdP, so an IdP can be set up before the emulator.
func SPMetadata(acsURL string) (*saml.EntityDescriptor, error) {
	sp, err := ServiceProvider(nil, acsURL)
	if err != nil {
		return nil, err
	}
	return sp.Metadata(), nil
}

// replayCache refuses an assertion id seen before.
type replayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (c *replayCache) Consume(id string, expires time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[id]; ok {
		return saml.ErrAssertionReplayed
	}
	c.seen[id] = expires
	return nil
}

// challenge is one phase-1 sign-in waiting for its phase 2.
type challenge struct {
	requestID string
	from      netip.Addr
	created   time.Time
}

// authority decides key-method-2 credentials: it issues CRV1 challenges,
// verifies SAML responses and remembers auth-tokens.
type authority struct {
	sp     *saml.ServiceProvider
	ssoURL string

	mu     sync.Mutex
	states map[string]challenge
	tokens map[string]string // auth-token → user
	deny   map[string]bool   // users refused after signing in; set before serving
}

func newAuthority(sp *saml.ServiceProvider) (*authority, error) {
	if sp == nil || sp.IDPMetadata == nil {
		return nil, errors.New("awsemu: a service provider with the IdP's metadata is required")
	}
	sso := sp.GetSSOBindingLocation(saml.HTTPRedirectBinding)
	if sso == "" {
		return nil, errors.New("awsemu: the IdP's metadata has no HTTP-Redirect SSO endpoint")
	}
	return &authority{sp: sp, ssoURL: sso, states: map[string]challenge{}, tokens: map[string]string{}, deny: map[string]bool{}}, nil
}

// verdict is what authenticate decided.
type verdict struct {
	ok        bool
	user      string
	challenge string // AUTH_FAILED's reason: a CRV1 challenge or why not
}

// stateLifetime bounds how long a phase-1 state waits for its phase 2,
// as AWS's does (the user has a few minutes to sign in).
const stateLifetime = 5 * time.Minute

// authenticate checks one session's username and password.
func (a *authority) authenticate(user, pass string, from netip.Addr) (verdict, error) {
	switch {
	case strings.HasPrefix(pass, "ACS::"):
		return a.issue(from)
	case strings.HasPrefix(pass, "CRV1::"):
		return a.redeem(pass, from)
	}
	a.mu.Lock()
	u, ok := a.tokens[pass]
	a.mu.Unlock()
	if ok && user == "N/A" {
		return verdict{ok: true, user: u}, nil
	}
	return verdict{challenge: "invalid credentials"}, nil
}

// issue starts a SAML sign-in: a fresh AuthnRequest to the IdP, and a
// CRV1 challenge that carries its URL.
func (a *authority) issue(from netip.Addr) (verdict, error) {
	req, err := a.sp.MakeAuthenticationRequest(a.ssoURL, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return verdict{}, fmt.Errorf("make authn request: %w", err)
	}
	u, err := req.Redirect("", a.sp)
	if err != nil {
		return verdict{}, fmt.Errorf("make authn request: %w", err)
	}
	state := "instance-" + randomHex(8) + "-" + randomHex(16)
	a.mu.Lock()
	a.states[state] = challenge{requestID: req.ID, from: from, created: time.Now()}
	a.mu.Unlock()
	user := base64.StdEncoding.EncodeToString([]byte("N/A"))
	return verdict{challenge: fmt.Sprintf("CRV1:R:%s:%s:%s", state, user, u)}, nil
}

// redeem verifies a phase-2 password, CRV1::<state>::<SAMLResponse>. The
// state is spent whatever the outcome.
func (a *authority) redeem(pass string, from netip.Addr) (verdict, error) {
	state, resp, ok := strings.Cut(strings.TrimPrefix(pass, "CRV1::"), "::")
	if !ok {
		return verdict{challenge: "malformed CRV1 response"}, nil
	}
	a.mu.Lock()
	c, known := a.states[state]
	delete(a.states, state)
	a.mu.Unlock()
	switch {
	case !known:
		return verdict{challenge: "unknown or already used sign-in state"}, nil
	case time.Since(c.created) > stateLifetime:
		return verdict{challenge: "sign-in state expired"}, nil
	case c.from != from:
		return verdict{challenge: "sign-in state belongs to another address"}, nil
	}
	xml, err := decodeSAMLResponse(resp)
	if err != nil {
		return verdict{challenge: "undecodable SAML response"}, nil
	}
	as, err := a.sp.ParseXMLResponse(xml, []string{c.requestID}, a.sp.AcsURL)
	if err != nil {
		var ire *saml.InvalidResponseError
		if errors.As(err, &ire) && ire.PrivateErr != nil {
			err = ire.PrivateErr
		}
		return verdict{challenge: "SAML response refused: " + oneLine(err.Error())}, nil
	}
	user := ""
	if as.Subject != nil && as.Subject.NameID != nil {
		user = as.Subject.NameID.Value
	}
	if a.deny[user] {
		return verdict{challenge: "user " + user + " is not authorized to connect to this Client VPN endpoint"}, nil
	}
	return verdict{ok: true, user: user}, nil
}

// newToken issues an auth-token for user.
func (a *authority) newToken(user string) string {
	t := "awsemu-" + randomHex(24)
	a.mu.Lock()
	a.tokens[t] = user
	a.mu.Unlock()
	return t
}

// dropToken forgets a token, at the end of its session.
func (a *authority) dropToken(t string) {
	a.mu.Lock()
	delete(a.tokens, t)
	a.mu.Unlock()
}

// decodeSAMLResponse accepts standard base64, URL-escaped or not (samm's
// client escapes it, olv's does not).
func decodeSAMLResponse(s string) ([]byte, error) {
	if strings.Contains(s, "%") {
		u, err := url.QueryUnescape(s)
		if err != nil {
			return nil, err
		}
		s = u
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, ",", ";") // a comma would split the control message's fields
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
