//go:build linux

package e2e

import (
	"context"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// TestCvpnBlockLocal: with redirect-gateway def1 block-local, the LAN
// that carries the client's default route goes into the tunnel too,
// except its gateway; the server's own link, which is not that LAN, keeps
// working. The client namespace gets a second "LAN" (a veth pair, lan0
// and its peer, since this kernel has no dummy driver) holding the
// default route. After Ctrl-C every route is as it was.
func TestCvpnBlockLocal(t *testing.T) {
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{Extra: []string{
		`push "redirect-gateway def1 block-local"`,
	}}})
	ctx := t.Context()
	for _, args := range [][]string{
		{"link", "add", "lan0", "type", "veth", "peer", "name", "lan0p"},
		{"addr", "add", "10.99.0.2/24", "dev", "lan0"},
		{"link", "set", "lan0p", "up"},
		{"link", "set", "lan0", "up"},
		{"-4", "route", "add", "default", "via", "10.99.0.1", "dev", "lan0"},
	} {
		if _, err := lab.Exec(ctx, l.ClientNS, "ip", args...); err != nil {
			t.Fatal(err)
		}
	}
	lanHost, lanGW := netip.MustParseAddr("10.99.0.50"), netip.MustParseAddr("10.99.0.1")
	before := netSnapshot(t, l)

	c := startCvpn(t, l, lab.ProfileOptions{}, false)
	assertTunnel(t, l)
	for _, tc := range []struct {
		dst  netip.Addr
		want string
	}{
		{lanHost, lab.TunDev},            // the LAN now goes through the tunnel
		{lanGW, "lan0"},                  // but not its gateway
		{l.ServerLinkIP, lab.ClientVeth}, // nor the server
	} {
		if dev, err := lab.RouteDev(ctx, l.ClientNS, tc.dst); err != nil || dev != tc.want {
			t.Errorf("route to %s: dev %q (%v), want %s", tc.dst, dev, err, tc.want)
		}
	}
	if !strings.Contains(c.Log(), "block-local: the local gateway stays outside the tunnel") {
		t.Errorf("cvpn output does not report the block-local gateway route:\n%s", c.LogTail(30))
	}
	if err := c.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	select {
	case <-c.Done():
	case <-wctx.Done():
		t.Fatal("cvpn did not exit after Ctrl-C")
	}
	if after := netSnapshot(t, l); after != before {
		t.Errorf("routing state differs after the run\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if dev, err := lab.RouteDev(ctx, l.ClientNS, lanHost); err != nil || dev != "lan0" {
		t.Errorf("after cvpn, route to %s: dev %q (%v), want lan0", lanHost, dev, err)
	}
}
