//go:build linux

package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// Recovery from network faults. The lab has no netem, so faults come from a
// userspace relay in the server namespace (lab.Relay: loss, an outage, a
// new source port) or from the namespaces themselves (a new client
// address, a frozen client). Each case must end with one working tunnel,
// within recoveryBound of the network coming back, and leave no route
// behind when cvpn stops. TestCvpnServerRestart (cvpn_test.go) covers the
// server restarting.

// recoveryBound is how soon after the network returns the tunnel must work.
const recoveryBound = 15 * time.Second

// recoveryServer is a UDP server with a short keepalive (ping 2, the
// client's ping-restart 8 s), so the tests notice a dead link quickly.
func recoveryServer(extra ...string) lab.ServerOptions {
	return lab.ServerOptions{Wrap: lab.WrapTLSCrypt, KeepaliveInterval: 2, Extra: extra}
}

// waitReconnected waits for cvpn's n-th "connected" line and returns how
// long that took from since.
func waitReconnected(t *testing.T, c *cvpnClient, n int, since time.Time, within time.Duration) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	if err := c.WaitForN(ctx, "\nconnected ", n); err != nil {
		t.Fatalf("cvpn did not reconnect within %v: %v", within, err)
	}
	return time.Since(since)
}

// assertOneTunnel checks that the client namespace has exactly one tun
// device, and that it carries traffic to the server.
func assertOneTunnel(t *testing.T, l *lab.Lab) {
	t.Helper()
	out, err := lab.Exec(t.Context(), l.ClientNS, "ip", "-o", "link", "show", "type", "tun")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.TrimSpace(string(out)), "\n") + 1; n != 1 || !strings.Contains(string(out), lab.TunDev) {
		t.Fatalf("want one tunnel device %s, have:\n%s", lab.TunDev, out)
	}
	assertCvpnTunnel(t, l)
}

// stopAndCompare stops cvpn with Ctrl-C and checks the client namespace is
// as it was before cvpn started: no leaked routes, rules or addresses.
func stopAndCompare(t *testing.T, l *lab.Lab, c *cvpnClient, before string) {
	t.Helper()
	if err := c.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("cvpn did not exit after Ctrl-C")
	}
	if after := netSnapshot(t, l); after != before {
		t.Errorf("the client namespace differs after recovery and a clean exit\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestCvpnControlChannelLoss connects through a relay that drops 30% of
// the datagrams in each direction: the TLS handshake, key exchange and
// push must complete by retransmission, and pings must then get through.
func TestCvpnControlChannelLoss(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{Wrap: lab.WrapTLSCrypt}})
	r, err := l.StartRelay(lab.RelayOptions{LossToServer: 0.3, LossToClient: 0.3, Seed: 30})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c := startCvpn(t, l, lab.ProfileOptions{Remote: r.Addr()}, true)
	took := waitReconnected(t, c, 1, start, 90*time.Second)
	st := r.Stats()
	t.Logf("connected through 30%% loss in %v; relay: %+v", took.Round(time.Millisecond), st)
	if st.DroppedToServer == 0 || st.DroppedToClient == 0 {
		t.Fatalf("the relay dropped nothing in one direction: %+v", st)
	}
	// ping succeeds when any of its echoes returns; at 30% each way about
	// half do.
	if err := lab.Ping(t.Context(), l.ClientNS, l.ServerTunIP, 20); err != nil {
		t.Fatal(err)
	}
	r.SetLoss(0, 0)
	assertOneTunnel(t, l)
}

// TestCvpnRecoversFromOutage makes the server unreachable for a minute
// (the relay drops everything; no link goes down, so cvpn learns of it
// only by silence): cvpn must say why it waits, keep trying with backoff,
// and be back within recoveryBound of the network returning.
func TestCvpnRecoversFromOutage(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: recoveryServer()})
	r, err := l.StartRelay(lab.RelayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := netSnapshot(t, l)
	c := startCvpn(t, l, lab.ProfileOptions{Remote: r.Addr()}, false)
	assertOneTunnel(t, l)

	r.Pause()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := c.WaitFor(ctx, "waiting: server unreachable"); err != nil {
		t.Fatalf("cvpn does not say why it waits: %v", err)
	}
	sentBefore := r.Stats().DroppedToServer
	outage := time.NewTimer(time.Minute)
	defer outage.Stop()
	select {
	case <-outage.C:
	case <-c.Done():
		t.Fatalf("cvpn gave up during the outage: %v", c.Err())
	}
	if tries := r.Stats().DroppedToServer - sentBefore; tries < 3 || tries > 60 {
		t.Errorf("cvpn sent %d datagrams in a minute of outage; want steady retries with backoff", tries)
	}
	resumed := time.Now()
	r.Resume()
	took := waitReconnected(t, c, 2, resumed, recoveryBound)
	t.Logf("reconnected %v after a minute's outage ended", took.Round(time.Millisecond))
	assertOneTunnel(t, l)
	stopAndCompare(t, l, c, before)
}

// TestCvpnRecoversAddressChange moves the client: first the server sees
// it arrive from a new source port (a NAT rebinding, through the relay),
// then the client namespace's own address changes under the running
// tunnel. The tunnel must carry traffic again within recoveryBound of each.
// With float cvpn's socket is unconnected, so the kernel sends from the new
// address and the server follows; without, the socket keeps the old
// address and cvpn must notice that it is gone and reconnect.
func TestCvpnRecoversAddressChange(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	for _, float := range []bool{true, false} {
		t.Run(fmt.Sprintf("float=%v", float), func(t *testing.T) {
			t.Parallel()
			l := lab.NewT(t, lab.Options{Server: recoveryServer("float")})
			r, err := l.StartRelay(lab.RelayOptions{})
			if err != nil {
				t.Fatal(err)
			}
			po := lab.ProfileOptions{Remote: r.Addr()}
			if float {
				po.Extra = []string{"float"}
			}
			c := startCvpn(t, l, po, false)
			assertOneTunnel(t, l)

			start := time.Now()
			if err := r.Rebind(); err != nil {
				t.Fatal(err)
			}
			pingWithin(t, l, recoveryBound)
			t.Logf("new source port: traffic again after %v", time.Since(start).Round(time.Millisecond))

			start = time.Now()
			moveClient(t, l)
			if float {
				pingWithin(t, l, recoveryBound)
				t.Logf("new client address: traffic again after %v", time.Since(start).Round(time.Millisecond))
			} else {
				took := waitReconnected(t, c, 2, start, recoveryBound)
				t.Logf("new client address: reconnected after %v", took.Round(time.Millisecond))
			}
			assertOneTunnel(t, l)
		})
	}
}

// moveClient moves the client's address from .2 to .3 of the link: the
// old one is gone, so packets sent from it can never be answered. Without
// promote_secondaries the kernel would drop .3 with .2.
func moveClient(t *testing.T, l *lab.Lab) {
	t.Helper()
	bits := l.LinkPrefix.Bits()
	for _, args := range [][]string{
		{"sysctl", "-qw", "net.ipv4.conf." + lab.ClientVeth + ".promote_secondaries=1"},
		{"ip", "addr", "add", netip.PrefixFrom(l.ClientLinkIP.Next(), bits).String(), "dev", lab.ClientVeth},
		{"ip", "addr", "del", netip.PrefixFrom(l.ClientLinkIP, bits).String(), "dev", lab.ClientVeth},
	} {
		if _, err := lab.Exec(t.Context(), l.ClientNS, args[0], args[1:]...); err != nil {
			t.Fatal(err)
		}
	}
}

// pingWithin waits until one ping through the tunnel is answered.
func pingWithin(t *testing.T, l *lab.Lab, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	var err error
	for ctx.Err() == nil {
		if err = lab.Ping(ctx, l.ClientNS, l.ServerTunIP, 1); err == nil {
			return
		}
	}
	t.Fatalf("no ping through the tunnel within %v: %v", within, err)
}

// TestCvpnRecoversFromFreeze stops cvpn (SIGSTOP) for longer than the
// server waits for a silent client, then lets it run again. This is the
// nearest the lab comes to a suspend: the server has dropped the session
// when cvpn wakes. It does not move the wall clock against the monotonic
// one, as a real suspend does; TestSessionReconnectsAfterSleep in openvpn/
// covers that with the engine's clock.
func TestCvpnRecoversFromFreeze(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: recoveryServer()})
	c := startCvpn(t, l, lab.ProfileOptions{}, false)
	assertOneTunnel(t, l)
	if err := c.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// The server's keepalive timeout is 2×8 s; wait for it to give up.
	ctx, cancel := context.WithTimeout(t.Context(), 40*time.Second)
	defer cancel()
	err := l.Server.WaitFor(ctx, "Inactivity timeout")
	if cerr := c.Signal(syscall.SIGCONT); cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatalf("the server did not drop the frozen client: %v", err)
	}
	woke := time.Now()
	took := waitReconnected(t, c, 2, woke, recoveryBound)
	t.Logf("reconnected %v after waking from a freeze", took.Round(time.Millisecond))
	assertOneTunnel(t, l)
}

// TestCvpnFollowsMovedServer: with float, the server's answers suddenly
// coming from a new address (the relay moves to another port) must not
// cost the tunnel a reconnect: cvpn follows the first authentic packet
// from there. Without float a connected socket would never hear them.
func TestCvpnFollowsMovedServer(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: recoveryServer()})
	r, err := l.StartRelay(lab.RelayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := startCvpn(t, l, lab.ProfileOptions{Remote: r.Addr(), Extra: []string{"float"}}, false)
	assertOneTunnel(t, l)
	start := time.Now()
	to, err := r.Move()
	if err != nil {
		t.Fatal(err)
	}
	pingWithin(t, l, recoveryBound)
	t.Logf("server moved to %v: traffic again after %v", to, time.Since(start).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := c.WaitFor(ctx, "following it"); err != nil {
		t.Fatalf("cvpn did not say it followed the server: %v", err)
	}
	assertOneTunnel(t, l)
	if n := strings.Count(c.Log(), "\nconnected "); n != 1 {
		t.Fatalf("cvpn connected %d times; following the server must not reconnect", n)
	}
}

// TestCvpnRecoversFromLinkDown takes the client's link down for half a
// minute: unlike a silent outage, every attempt then fails at once
// ("network is unreachable"), and the pause between attempts must stay
// short enough to be back within recoveryBound of the link coming up.
func TestCvpnRecoversFromLinkDown(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: recoveryServer()})
	c := startCvpn(t, l, lab.ProfileOptions{}, false)
	assertOneTunnel(t, l)
	link := func(state string) {
		t.Helper()
		if _, err := lab.Exec(t.Context(), l.ClientNS, "ip", "link", "set", lab.ClientVeth, state); err != nil {
			t.Fatal(err)
		}
	}
	link("down")
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := c.WaitFor(ctx, "network is unreachable"); err != nil {
		t.Fatalf("cvpn does not say why it waits: %v", err)
	}
	down := time.NewTimer(30 * time.Second)
	defer down.Stop()
	select {
	case <-down.C:
	case <-c.Done():
		t.Fatalf("cvpn gave up while the link was down: %v", c.Err())
	}
	up := time.Now()
	link("up")
	took := waitReconnected(t, c, 2, up, recoveryBound)
	t.Logf("reconnected %v after the link came back", took.Round(time.Millisecond))
	assertOneTunnel(t, l)
}
