package awsemu_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crewjam/saml"

	"github.com/cvpn/cvpn/e2e/awsemu"
	"github.com/cvpn/cvpn/e2e/idp"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/openvpntest"
	"github.com/cvpn/cvpn/profile"
)

// rig is an IdP and an emulator on loopback.
type rig struct {
	emu     *awsemu.Server
	caPEM   []byte
	idpURL  string
	user    string
	pass    string
	profile *profile.Profile
}

func newRig(t *testing.T, cfg awsemu.Config) *rig {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	spMeta, err := awsemu.SPMetadata("")
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{idpURL: "http://" + ln.Addr().String(), user: "alice", pass: "correct horse"}
	i, err := idp.New(idp.Options{URL: r.idpURL, Username: r.user, Password: r.pass,
		ServiceProviders: []*saml.EntityDescriptor{spMeta}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(i.Handler())
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(hs.Close)

	sp, err := awsemu.ServiceProvider(i.Metadata, "")
	if err != nil {
		t.Fatal(err)
	}
	ca, tlsCfg, err := awsemu.NewTLS()
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Conn, cfg.TLS, cfg.SP, cfg.Logf = pc, tlsCfg, sp, t.Logf
	cfg.Subnet = netip.MustParsePrefix("10.77.0.0/24")
	cfg.Client, cfg.Gateway = netip.MustParseAddr("10.77.0.2"), netip.MustParseAddr("10.77.0.1")
	cfg.Routes = []netip.Prefix{netip.MustParsePrefix("10.78.0.0/16")}
	r.emu, err = awsemu.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.emu.Close() })
	r.caPEM = ca
	r.profile, err = profile.Parse([]byte(awsemu.Profile("127.0.0.1", int(r.emu.Addr().Port()), ca)), profile.ParseOptions{Name: "aws.ovpn"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// answerer signs in with the scripted browser and counts the challenges.
type answerer struct {
	r  *rig
	mu sync.Mutex
	n  int
	// spoil, if set, changes the SAMLResponse before it is sent.
	spoil func(string) string
}

func (a *answerer) Prompt(ctx context.Context, p *openvpn.Prompt) (*openvpn.Answer, error) {
	if p.Kind != openvpn.PromptChallenge || p.Challenge == nil {
		return nil, errors.New("unexpected prompt")
	}
	a.mu.Lock()
	a.n++
	a.mu.Unlock()
	resp, acs, err := idp.ScriptedLogin(ctx, p.Challenge.Text, a.r.user, a.r.pass)
	if err != nil {
		return nil, err
	}
	if acs != awsemu.ACSURL {
		return nil, errors.New("the IdP posts to " + acs)
	}
	if a.spoil != nil {
		resp = a.spoil(resp)
	}
	return &openvpn.Answer{Response: resp}, nil
}

func (a *answerer) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

// dial connects the engine and waits for StateConnected.
func dial(t *testing.T, r *rig, p openvpn.Prompter) (*openvpn.Session, *openvpntest.PipeDevice) {
	t.Helper()
	dev := openvpntest.NewPipeDevice()
	s, err := openvpn.Dial(t.Context(), r.profile, dev, openvpn.Options{Prompter: p, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dev
}

func waitState(t *testing.T, s *openvpn.Session, want openvpn.State, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				t.Fatalf("session ended before %v: %v", want, s.Wait())
			}
			if sc, ok := ev.(*openvpn.StateChange); ok && sc.To == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %v within %v (state %v)", want, d, s.State())
		}
	}
}

func waitEvent(t *testing.T, emu *awsemu.Server, kind string) awsemu.Event {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case e := <-emu.Events():
			if e.Kind == kind {
				return e
			}
		case <-deadline:
			t.Fatalf("no %q event from the emulator", kind)
		}
	}
}

func TestSAMLSignInThenEcho(t *testing.T) {
	r := newRig(t, awsemu.Config{})
	a := &answerer{r: r}
	s, dev := dial(t, r, a)
	waitState(t, s, openvpn.StateConnected, 20*time.Second)
	if a.count() != 1 {
		t.Fatalf("signed in %d times, want 1", a.count())
	}
	echo(t, dev)
}

func TestSpoiledAssertionIsRefused(t *testing.T) {
	r := newRig(t, awsemu.Config{})
	// The IdP signed the assertion for alice; claim it is mallory's.
	a := &answerer{r: r, spoil: func(s string) string {
		x, err := base64.StdEncoding.DecodeString(s)
		if err != nil || !strings.Contains(string(x), "alice@example.test") {
			t.Errorf("unexpected SAMLResponse: %v", err)
		}
		return base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(string(x), "alice@", "mallory@")))
	}}
	dev := openvpntest.NewPipeDevice()
	p := *r.profile
	p.Auth.Retry = profile.AuthRetryNone
	s, err := openvpn.Dial(t.Context(), &p, dev, openvpn.Options{Prompter: a, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e := waitEvent(t, r.emu, "refused")
	if !strings.Contains(e.Detail, "SAML") {
		t.Fatalf("refused for %q, want a SAML verification failure", e.Detail)
	}
}

func TestSessionLimitSignsInAgain(t *testing.T) {
	r := newRig(t, awsemu.Config{SessionLimit: 3 * time.Second, AuthToken: true})
	a := &answerer{r: r}
	s, dev := dial(t, r, a)
	waitState(t, s, openvpn.StateConnected, 20*time.Second)
	waitEvent(t, r.emu, "expired")
	waitState(t, s, openvpn.StateConnected, 20*time.Second)
	if a.count() != 2 {
		t.Fatalf("signed in %d times, want 2 (once more after the session limit)", a.count())
	}
	echo(t, dev)
}

func TestReusedAssertionIsRefused(t *testing.T) {
	r := newRig(t, awsemu.Config{SessionLimit: 2 * time.Second})
	var first string
	a := &answerer{r: r, spoil: func(s string) string {
		if first == "" {
			first = s
		}
		return first
	}}
	s, _ := dial(t, r, a)
	waitState(t, s, openvpn.StateConnected, 20*time.Second)
	waitEvent(t, r.emu, "expired")
	e := waitEvent(t, r.emu, "refused")
	if !strings.Contains(e.Detail, "SAML") {
		t.Fatalf("refused for %q, want the replayed assertion refused", e.Detail)
	}
}

// echo sends an IPv4 packet into the tunnel and expects it back.
func echo(t *testing.T, dev *openvpntest.PipeDevice) {
	t.Helper()
	pkt := openvpntest.UDPPacket([4]byte{10, 77, 0, 2}, [4]byte{10, 77, 0, 1}, "cvpn-awsemu")
	if err := dev.Echo(pkt, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}
