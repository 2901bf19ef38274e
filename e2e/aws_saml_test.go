//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/awsemu"
	"github.com/cvpn/cvpn/openvpn"
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
	dev := newMemDevice()
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
	if err := dev.echo(10*time.Second, []byte{10, 77, 0, 2}, []byte{10, 77, 0, 1}); err != nil {
		t.Fatal(err)
	}
	t.Logf("phase 1 → browser → phase 2 → connected → traffic in %v", time.Since(start).Round(time.Millisecond))
}

// memDevice is an in-memory packet device for the engine.
type memDevice struct {
	in, out   chan []byte
	closeOnce sync.Once
	closed    chan struct{}
}

func newMemDevice() *memDevice {
	return &memDevice{in: make(chan []byte, 16), out: make(chan []byte, 16), closed: make(chan struct{})}
}

func (d *memDevice) Read(bufs [][]byte, sizes []int, off int) (int, error) {
	select {
	case p := <-d.in:
		sizes[0] = copy(bufs[0][off:], p)
		return 1, nil
	case <-d.closed:
		return 0, os.ErrClosed
	}
}

func (d *memDevice) Write(bufs [][]byte, off int) (int, error) {
	for _, b := range bufs {
		select {
		case d.out <- append([]byte(nil), b[off:]...):
		default:
		}
	}
	return len(bufs), nil
}

func (d *memDevice) BatchSize() int { return 1 }

func (d *memDevice) Close() error {
	d.closeOnce.Do(func() { close(d.closed) })
	return nil
}

// echo sends a UDP-in-IPv4 packet from src to dst into the tunnel and
// waits for the emulator to echo it back.
func (d *memDevice) echo(within time.Duration, src, dst []byte) error {
	pkt := make([]byte, 32)
	pkt[0], pkt[3], pkt[8], pkt[9] = 0x45, byte(len(pkt)), 64, 17
	copy(pkt[12:], src)
	copy(pkt[16:], dst)
	copy(pkt[20:], "cvpn-aws-saml-e2e")
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		d.in <- pkt
		select {
		case got := <-d.out:
			if string(got) != string(pkt) {
				return fmt.Errorf("echoed %x, sent %x", got, pkt)
			}
			return nil
		case <-time.After(250 * time.Millisecond):
		}
	}
	return errors.New("no echo through the tunnel")
}
