//go:build linux

package e2e

import (
	"errors"
	"net/netip"
	"syscall"
	"testing"

	"github.com/cvpn/cvpn/e2e/lab"
)

// TestCvpnSplitTunnel: the server pushes two networks and no default
// route. A host inside a pushed network (an address on the server's lo)
// is reached through the tunnel; a second network that is not pushed
// (another address there, behind the client's default route), the LAN
// and IPv6 keep their own paths, and both answer. After the run the
// network state is as before.
func TestCvpnSplitTunnel(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{PushRoutes: 2}})
	ctx := t.Context()
	inside := netip.MustParseAddr("172.16.1.1")   // in the second pushed /24
	outside := netip.MustParseAddr("203.0.113.9") // pushed by nobody
	inet6 := netip.MustParseAddr("2001:db8::9")
	for _, a := range []netip.Addr{inside, outside, inet6} {
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
	before := netSnapshot(t, l)

	c := startCvpn(t, l, lab.ProfileOptions{}, false)
	assertTunnel(t, l)
	checkPushedRoutes(t, l, 2)
	for _, tc := range []struct {
		dst  netip.Addr
		want string
	}{
		{inside, lab.TunDev},
		{outside, lab.ClientVeth},
		{l.ServerLinkIP, lab.ClientVeth},
		{inet6, lab.ClientVeth},
	} {
		if dev, err := lab.RouteDev(ctx, l.ClientNS, tc.dst); err != nil || dev != tc.want {
			t.Errorf("route to %s: dev %q (%v), want %s", tc.dst, dev, err, tc.want)
		}
		if tc.dst.Is4() {
			if err := lab.Ping(ctx, l.ClientNS, tc.dst, 1); err != nil {
				t.Errorf("ping %s (via %s): %v", tc.dst, tc.want, err)
			}
		}
	}
	// Split tunnels leave IPv6 alone: the host answers (nothing listens).
	if err := dialErr(ctx, l, inet6); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("dialing %s while connected: %v, want connection refused", inet6, err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if after := netSnapshot(t, l); after != before {
		t.Errorf("network state differs after the run\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
