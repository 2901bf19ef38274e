//go:build linux

package e2e

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/awsemu"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/openvpntest"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/saml"
)

// TestAWSSAMLEngineBrowser signs in to the AWS endpoint emulator the way
// cvpn does, with the engine driven directly: phase 1 gets the CRV1
// challenge; saml.SignIn listens for the ACS and opens the IdP's page in
// headless Chromium (browser-login, the CVPN_BROWSER a user could set),
// which fills the IdP's login form and lets the IdP's form post the
// SAMLResponse to the listener; phase 2 carries it in AWS's framing; the
// emulator verifies the signed assertion and pushes an address; a packet
// goes through the tunnel and back.
//
// Everything is on loopback in this process's namespace. The ACS is on a
// free port rather than 35001, so that other test packages running at the
// same time cannot collide with it; the namespace test below uses 35001.
func TestAWSSAMLEngineBrowser(t *testing.T) {
	requireChromium(t)
	start := time.Now()
	browser := toolBinary(t, "browser-login")
	setBrowserEnv(t)

	acsPort := freeLoopbackPort(t)
	acs := fmt.Sprintf("http://127.0.0.1:%d/", acsPort)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	i := startIdP(t, ln, "http://"+ln.Addr().String(), acs)

	sp, err := awsemu.ServiceProvider(i.Metadata, acs)
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
	emu, err := awsemu.Start(awsemu.Config{Conn: pc, TLS: tlsCfg, SP: sp, Logf: t.Logf,
		Subnet: netip.MustParsePrefix("10.77.0.0/24"),
		Client: netip.MustParseAddr("10.77.0.2"), Gateway: netip.MustParseAddr("10.77.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })

	prof, err := profile.Parse([]byte(awsemu.Profile("127.0.0.1", int(emu.Addr().Port()), ca)), profile.ParseOptions{Name: "aws.ovpn"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	signIns := 0
	prompter := openvpn.PrompterFunc(func(ctx context.Context, p *openvpn.Prompt) (*openvpn.Answer, error) {
		if p.Kind != openvpn.PromptChallenge || p.Challenge == nil {
			return nil, fmt.Errorf("unexpected prompt %v", p.Kind)
		}
		mu.Lock()
		signIns++
		mu.Unlock()
		t0 := time.Now()
		resp, err := saml.SignIn(ctx, p.Challenge.Text, saml.Options{
			Port: acsPort, Browser: browser + " -timeout 40s", Timeout: 45 * time.Second, Logf: t.Logf})
		if err != nil {
			return nil, err
		}
		t.Logf("browser sign-in took %v; SAMLResponse of %d bytes", time.Since(t0).Round(time.Millisecond), len(resp))
		return &openvpn.Answer{Response: resp}, nil
	})
	dev := openvpntest.NewPipeDevice()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	s, err := openvpn.Dial(ctx, prof, dev, openvpn.Options{Prompter: prompter, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var kinds []string
	connected := false
	for !connected {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				t.Fatalf("session ended: %v", s.Wait())
			}
			if sc, ok := ev.(*openvpn.StateChange); ok && sc.To == openvpn.StateConnected {
				connected = true
			}
		case e := <-emu.Events():
			kinds = append(kinds, e.Kind)
		case <-ctx.Done():
			t.Fatalf("not connected in time (state %v, emulator saw %v)", s.State(), kinds)
		}
	}
	for len(kinds) < 3 {
		select {
		case e := <-emu.Events():
			kinds = append(kinds, e.Kind)
		case <-time.After(2 * time.Second):
			t.Fatalf("emulator saw %v", kinds)
		}
	}
	if want := []string{"challenge", "accepted", "pushed"}; fmt.Sprint(kinds[:3]) != fmt.Sprint(want) {
		t.Fatalf("emulator saw %v, want %v", kinds, want)
	}
	if signIns != 1 {
		t.Fatalf("%d browser sign-ins, want 1", signIns)
	}
	if err := dev.Echo(openvpntest.UDPPacket([4]byte{10, 77, 0, 2}, [4]byte{10, 77, 0, 1}, "cvpn-aws-saml-e2e"), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("phase 1 → browser → phase 2 → connected → traffic in %v", time.Since(start).Round(time.Millisecond))
}
