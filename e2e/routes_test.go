//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// TestCvpnFullTunnelExclusionAndIPv6Block: the server pushes
// redirect-gateway def1, a net_gateway exclusion and no IPv6. The client
// namespace is set up like a dual-stack LAN host: default routes for both
// families via the server's link addresses, with an "internet" host
// (203.0.113.0/24 and 2001:db8::1 on the server namespace's lo) behind
// them. While cvpn is connected the excluded /24 still leaves through
// veth-cli, and global IPv6 is refused at once instead of leaking around
// the tunnel; the LAN's own IPv6 stays reachable. A kill -9 leaves the
// block and the exclusion behind (they are not on tun0); the next run
// recovers them, and after its clean stop the routing state is exactly
// what it was before.
func TestCvpnFullTunnelExclusionAndIPv6Block(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	excluded := netip.MustParsePrefix("203.0.113.0/24")
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{Extra: []string{
		`push "redirect-gateway def1"`,
		fmt.Sprintf(`push "route %s 255.255.255.0 net_gateway"`, excluded.Addr()),
	}}})
	ctx := t.Context()
	exHost := excluded.Addr().Next()
	inet6 := netip.MustParseAddr("2001:db8::1")
	for _, a := range []netip.Addr{exHost, inet6} {
		if err := l.AddServerAddress(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"-4", "route", "add", "default", "via", l.ServerLinkIP.String(), "dev", lab.ClientVeth},
		{"-6", "route", "add", "default", "via", l.ServerLinkIP6.String(), "dev", lab.ClientVeth},
	} {
		if _, err := lab.Exec(ctx, l.ClientNS, "ip", args...); err != nil {
			t.Fatal(err)
		}
	}
	// Before: the IPv6 host answers (no listener: connection refused).
	if err := dialErr(ctx, l, inet6); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("before cvpn, dialing %s: %v, want connection refused", inet6, err)
	}
	before := netSnapshot(t, l)

	first := startCvpn(t, l, lab.ProfileOptions{}, false)
	assertTunnel(t, l)
	checkExclusionAndBlock(t, l, exHost, inet6)
	for _, want := range []string{"IPv6 is blocked while connected", "(net_gateway, outside the tunnel)"} {
		if !strings.Contains(first.Log(), want) {
			t.Errorf("cvpn output lacks %q", want)
		}
	}
	state, err := os.ReadFile(filepath.Join(l.Dir, "state", "cvpn-client.tunnel.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Unreachable": true`, `"Dst": "` + excluded.String() + `"`} {
		if !strings.Contains(string(state), want) {
			t.Errorf("state record lacks %s:\n%s", want, state)
		}
	}

	if err := first.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.Done()
	left := routeShow(t, l, "-6", "route", "show", "type", "unreachable") + routeShow(t, l, "-4", "route", "show", excluded.String())
	for _, want := range []string{"unreachable 2000::/4", excluded.String() + " via " + l.ServerLinkIP.String()} {
		if !strings.Contains(left, want) {
			t.Fatalf("the kill left no %q to recover:\n%s", want, left)
		}
	}

	second := startCvpn(t, l, lab.ProfileOptions{}, false)
	if !strings.Contains(second.Log(), "recovered: undid the network changes of \"cvpn-client\"") {
		t.Errorf("the second run did not report its recovery:\n%s", second.LogTail(20))
	}
	assertTunnel(t, l)
	checkExclusionAndBlock(t, l, exHost, inet6)
	if err := second.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	select {
	case <-second.Done():
	case <-wctx.Done():
		t.Fatal("cvpn did not exit after Ctrl-C")
	}
	if after := netSnapshot(t, l); after != before {
		t.Errorf("routing state differs after the runs\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if err := dialErr(ctx, l, inet6); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("after cvpn, dialing %s: %v, want connection refused", inet6, err)
	}
}

// checkExclusionAndBlock: the excluded host is routed via veth-cli and
// answers; global IPv6 is unreachable; the link's own IPv6 is not.
func checkExclusionAndBlock(t *testing.T, l *lab.Lab, exHost, inet6 netip.Addr) {
	t.Helper()
	ctx := t.Context()
	if dev, err := lab.RouteDev(ctx, l.ClientNS, exHost); err != nil || dev != lab.ClientVeth {
		t.Errorf("route to excluded %s: dev %q (%v), want %s", exHost, dev, err, lab.ClientVeth)
	}
	if err := lab.Ping(ctx, l.ClientNS, exHost, 1); err != nil {
		t.Error(err)
	}
	if dev, err := lab.RouteDev(ctx, l.ClientNS, netip.MustParseAddr("198.51.100.1")); err != nil || dev != lab.TunDev {
		t.Errorf("route to the internet: dev %q (%v), want %s", dev, err, lab.TunDev)
	}
	out, err := lab.Exec(ctx, l.ClientNS, "ip", "-6", "route", "get", inet6.String())
	if err == nil && !strings.Contains(string(out), "unreachable") {
		t.Errorf("ip -6 route get %s: %s, want unreachable", inet6, out)
	}
	// The kernel refuses at once: an IPv6 unreachable route answers
	// EHOSTUNREACH ("no route to host").
	if err := dialErr(ctx, l, inet6); !errors.Is(err, syscall.EHOSTUNREACH) && !errors.Is(err, syscall.ENETUNREACH) {
		t.Errorf("dialing %s while connected: %v, want no route to host", inet6, err)
	}
	if err := dialErr(ctx, l, l.ServerLinkIP6); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dialing the LAN's %s while connected: %v, want connection refused", l.ServerLinkIP6, err)
	}
}

// dialErr dials a port nothing listens on at addr from the client
// namespace: connection refused means the packet got there and back.
func dialErr(ctx context.Context, l *lab.Lab, addr netip.Addr) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := lab.DialTCP(ctx, l.ClientNS, netip.AddrPortFrom(addr, 9))
	if err == nil {
		c.Close()
	}
	return err
}

func routeShow(t *testing.T, l *lab.Lab, args ...string) string {
	t.Helper()
	out, err := lab.Exec(t.Context(), l.ClientNS, "ip", args...)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
