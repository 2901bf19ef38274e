package awsemu

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/crewjam/saml"

	"github.com/cvpn/cvpn/e2e/idp"
)

// newTestAuthority is an authority trusting an IdP served on loopback.
func newTestAuthority(t *testing.T) *authority {
	t.Helper()
	hs := httptest.NewUnstartedServer(nil)
	spMeta, err := SPMetadata("")
	if err != nil {
		t.Fatal(err)
	}
	i, err := idp.New(idp.Options{URL: "http://" + hs.Listener.Addr().String(), Username: "alice", Password: "pw",
		ServiceProviders: []*saml.EntityDescriptor{spMeta}})
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = i.Handler()
	hs.Start()
	t.Cleanup(hs.Close)
	sp, err := ServiceProvider(i.Metadata, "")
	if err != nil {
		t.Fatal(err)
	}
	a, err := newAuthority(sp)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// signIn runs phase 1 from addr and the IdP's login, and returns the
// state and the SAMLResponse.
func signIn(t *testing.T, a *authority, from netip.Addr) (state, resp string) {
	t.Helper()
	v, err := a.authenticate("N/A", "ACS::35001", from)
	if err != nil || v.ok {
		t.Fatalf("phase 1: %+v, %v", v, err)
	}
	f := strings.SplitN(v.challenge, ":", 5)
	if len(f) != 5 || f[0] != "CRV1" || f[1] != "R" || !strings.HasPrefix(f[2], "instance-") || f[3] != "Ti9B" {
		t.Fatalf("challenge %q", v.challenge)
	}
	resp, acs, err := idp.ScriptedLogin(t.Context(), f[4], "alice", "pw")
	if err != nil {
		t.Fatal(err)
	}
	if acs != ACSURL {
		t.Fatalf("the IdP posts to %s, want %s", acs, ACSURL)
	}
	return f[2], resp
}

func TestAuthorityStates(t *testing.T) {
	a := newTestAuthority(t)
	here, there := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	check := func(pass string, from netip.Addr, ok bool, why string) {
		t.Helper()
		v, err := a.authenticate("N/A", pass, from)
		if err != nil {
			t.Fatal(err)
		}
		if v.ok != ok || !strings.Contains(v.challenge, why) {
			t.Fatalf("got %+v, want ok=%v and a reason containing %q", v, ok, why)
		}
	}

	state, resp := signIn(t, a, here)
	check("CRV1::"+state+"::"+resp, there, false, "another address")
	check("CRV1::"+state+"::"+resp, here, false, "already used") // the state was spent

	state, resp = signIn(t, a, here)
	check("CRV1::"+state+"::"+resp, here, true, "")
	check("CRV1::"+state+"::"+resp, here, false, "already used")

	state2, _ := signIn(t, a, here)
	check("CRV1::"+state2+"::"+resp, here, false, "SAML response refused") // another request's assertion
	check("CRV1::no-separator", here, false, "malformed")
	check("CRV1::instance-made-up::"+resp, here, false, "already used")
	check("hunter2", here, false, "invalid")

	tok := a.newToken("alice@example.test")
	check(tok, here, true, "")
	a.dropToken(tok)
	check(tok, here, false, "invalid")
}
