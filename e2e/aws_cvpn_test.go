//go:build linux

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"net/netip"

	"github.com/cvpn/cvpn/e2e/awsemu"
	"github.com/cvpn/cvpn/e2e/lab"
)

// awsLab is the AWS SAML setup in a lab: the IdP on the server's link
// address and the emulator program on a TUN device in the server
// namespace, with a federated profile for it.
type awsLab struct {
	l       *lab.Lab
	emu     *lab.Process
	profile string
	browser string // the CVPN_BROWSER command line
}

func newAWSLab(t *testing.T, limit time.Duration, emuArgs ...string) *awsLab {
	t.Helper()
	lab.Require(t, "ping")
	requireChromium(t)
	browser := toolBinary(t, "browser-login")
	emuBin := toolBinary(t, "awsemu")
	l := lab.NewT(t, lab.Options{NoStart: true})

	ln, err := lab.ListenTCP(l.ServerNS, netip.AddrPortFrom(l.ServerLinkIP, 0))
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	startIdP(t, ln, base, awsemu.ACSURL)

	caPath := filepath.Join(l.Dir, "awsemu-ca.pem")
	argv := []string{emuBin,
		"-listen", netip.AddrPortFrom(l.ServerLinkIP, 1194).String(), "-tun", lab.TunDev,
		"-idp-metadata", base + "/metadata", "-subnet", l.TunnelPrefix.String(),
		"-gateway", l.ServerTunIP.String(), "-client", l.ServerTunIP.Next().String(),
		"-ca-out", caPath, "-auth-token"}
	if limit > 0 {
		argv = append(argv, "-session-limit", limit.String())
	}
	argv = append(argv, emuArgs...)
	emu, err := lab.StartProcess("awsemu", l.ServerNS, filepath.Join(l.Dir, "awsemu.log"), argv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = emu.Stop()
		if t.Failed() {
			t.Logf("awsemu log:\n%s", emu.LogTail(60))
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := emu.WaitFor(ctx, "awsemu: listening"); err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(l.Dir, "aws-federated.ovpn")
	if err := os.WriteFile(prof, []byte(awsemu.Profile(l.ServerLinkIP.String(), 1194, ca)), 0o600); err != nil {
		t.Fatal(err)
	}
	return &awsLab{l: l, emu: emu, profile: prof, browser: browser + " -timeout 40s"}
}

// env is what the user's side needs to sign in with browser-login.
func (a *awsLab) env() []string {
	return append([]string{"CVPN_BROWSER=" + a.browser}, browserEnv()...)
}

// TestAWSSAMLService signs in through the product the way a desktop does:
// the cvpn service runs the tunnel, and `cvpn connect` on the user's side
// (here in the client namespace, so its 127.0.0.1:35001 and the browser are
// there) answers the service's saml prompt by opening CVPN_BROWSER
// (browser-login, headless Chromium) at the IdP, then the client pings the
// server's tunnel address.
func TestAWSSAMLService(t *testing.T) {
	start := time.Now()
	a := newAWSLab(t, 0)
	s := newSvcLab(t, a.l)
	s.start(t)

	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := lab.Command(ctx, a.l.ClientNS, s.bin, "connect", "--verbose", a.profile)
	cmd.Env = append(os.Environ(), "CVPN_SOCKET="+s.sock, "CVPN_CONFIG_DIR="+s.config)
	cmd.Env = append(cmd.Env, a.env()...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cvpn connect: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "connected") {
		t.Fatalf("cvpn connect said:\n%s", out)
	}
	t.Logf("signed in through the service after %v", time.Since(start).Round(time.Millisecond))
	if err := lab.Ping(ctx, a.l.ClientNS, a.l.ServerTunIP, 2); err != nil {
		t.Fatal(err)
	}
	if out, _, code := s.cli(t, 0, "disconnect", "aws-federated"); code != 0 {
		t.Logf("cvpn disconnect: exit %d: %s", code, out)
	}
	t.Logf("sign-in, tunnel and ping in %v", time.Since(start).Round(time.Millisecond))
}

// TestAWSSAMLForeground runs `cvpn connect --foreground` without a
// terminal (as a headless machine's service manager would) in the client
// namespace with CVPN_BROWSER set to browser-login: the user signs in in
// headless Chromium and pings through the tunnel; the emulator ends the
// session at its limit, cvpn signs in again in the browser, and the ping
// goes through again.
func TestAWSSAMLForeground(t *testing.T) {
	start := time.Now()
	a := newAWSLab(t, 6*time.Second)
	p := runCvpn(t, a.l, append([]string{"env"}, a.env()...), a.profile, true)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	t.Logf("signed in and connected after %v", time.Since(start).Round(time.Millisecond))
	if err := lab.Ping(ctx, a.l.ClientNS, a.l.ServerTunIP, 2); err != nil {
		t.Fatal(err)
	}
	if err := a.emu.WaitFor(ctx, "awsemu: expired"); err != nil {
		t.Fatal(err)
	}
	if err := a.emu.WaitForN(ctx, "awsemu: pushed", 2); err != nil {
		t.Fatal(err)
	}
	if err := lab.Ping(ctx, a.l.ClientNS, a.l.ServerTunIP, 2); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(a.emu.Log(), "awsemu: accepted"); n != 2 {
		t.Fatalf("the emulator accepted %d sign-ins, want 2", n)
	}
	// The user is told why the browser opens again.
	if !strings.Contains(p.Log(), "Signing in again: ") {
		t.Errorf("cvpn did not say why it signs in again:\n%s", p.LogTail(30))
	}
	t.Logf("signed in again after the session limit and pinged; %v in all", time.Since(start).Round(time.Millisecond))
}

// TestAWSSAMLRefused: the user signs in at the IdP, but the endpoint's
// authorization rules leave them out. cvpn stops with the server's reason
// after that one sign-in; it does not send the user through the browser
// again and again (AWS profiles say auth-retry interact).
func TestAWSSAMLRefused(t *testing.T) {
	a := newAWSLab(t, 0, "-deny-user", idpUser+"@example.test") // the NameID the IdP asserts
	p := runCvpn(t, a.l, append([]string{"env"}, a.env()...), a.profile, false)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	select {
	case <-p.Done():
	case <-ctx.Done():
		t.Fatalf("cvpn did not stop after the refusal:\n%s", p.LogTail(30))
	}
	if log := p.Log(); !strings.Contains(log, "is not authorized to connect to this Client VPN endpoint") {
		t.Errorf("cvpn did not give the server's reason:\n%s", p.LogTail(30))
	}
	if n := strings.Count(a.emu.Log(), "awsemu: challenge"); n != 1 {
		t.Errorf("%d sign-ins started, want 1:\n%s", n, a.emu.LogTail(20))
	}
}
