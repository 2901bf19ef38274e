package netcfg

import (
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/tun"
	"github.com/vishvananda/netlink"
)

// inPrivateNetns re-runs the calling test in a child process with a network
// namespace of its own, so the test may add devices and routes freely and
// the kernel removes all of it when the child exits.
func inPrivateNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv("CVPN_TEST_NETNS") == "1" {
		return true
	}
	testenv.RequireRoot(t)
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), "CVPN_TEST_NETNS=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("in private netns: %v\n%s", err, out)
	}
	return false
}

func mustUp(t *testing.T, name string) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := netlink.LinkSetUp(l); err != nil {
		t.Fatal(err)
	}
}

func TestApplyRevert(t *testing.T) {
	if !inPrivateNetns(t) {
		return
	}
	mustUp(t, "lo")
	// An "uplink" so the bypass route has a real path to copy.
	// (A veth pair: this kernel may lack the dummy driver.)
	up := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "uplink0"}, PeerName: "uplink0p"}
	if err := netlink.LinkAdd(up); err != nil {
		t.Fatal(err)
	}
	mustUp(t, "uplink0")
	mustUp(t, "uplink0p")
	ul, _ := netlink.LinkByName("uplink0")
	if err := netlink.AddrAdd(ul, &netlink.Addr{IPNet: prefixNet(netip.MustParsePrefix("198.18.5.2/24"))}); err != nil {
		t.Fatal(err)
	}
	if err := netlink.RouteAdd(&netlink.Route{LinkIndex: ul.Attrs().Index, Gw: netip.MustParseAddr("198.18.5.1").AsSlice()}); err != nil {
		t.Fatal(err)
	}

	dev, err := tun.Create("cvpntest0", 1500)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	name, _ := dev.Name()

	cfg := Config{
		Interface: name,
		MTU:       1400,
		Addresses: []netip.Prefix{netip.MustParsePrefix("198.19.7.2/24"), netip.MustParsePrefix("fd00:cafe::2/64")},
		Routes: []Route{
			{Dst: netip.MustParsePrefix("198.19.100.0/24"), Gateway: netip.MustParseAddr("198.19.7.1")},
			{Dst: netip.MustParsePrefix("0.0.0.0/1"), Gateway: netip.MustParseAddr("198.19.7.1")},
			{Dst: netip.MustParsePrefix("128.0.0.0/1"), Gateway: netip.MustParseAddr("198.19.7.1")},
			{Dst: netip.MustParsePrefix("fd00:beef::/48")},
		},
		Bypass: []netip.Addr{netip.MustParseAddr("203.0.113.9")},
	}
	applied, err := Apply(cfg, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(applied.Routes); got != 5 {
		t.Fatalf("applied %d routes, want 5 (4 + bypass): %+v", got, applied.Routes)
	}
	ip := func(args ...string) string {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for _, want := range []string{"198.19.100.0/24 via 198.19.7.1 dev " + name, "0.0.0.0/1 via 198.19.7.1", "128.0.0.0/1 via 198.19.7.1", "203.0.113.9 via 198.18.5.1 dev uplink0"} {
		if r := ip("-4", "route"); !strings.Contains(r, want) {
			t.Errorf("route %q missing:\n%s", want, r)
		}
	}
	if r := ip("-6", "route"); !strings.Contains(r, "fd00:beef::/48 dev "+name) {
		t.Errorf("ipv6 route missing:\n%s", r)
	}
	if a := ip("addr", "show", name); !strings.Contains(a, "mtu 1400") || !strings.Contains(a, "198.19.7.2/24") || !strings.Contains(a, "fd00:cafe::2/64") {
		t.Errorf("addresses/mtu wrong:\n%s", a)
	}
	// The bypass keeps the server on the uplink even with 0/1+128/1 present.
	if r := ip("route", "get", "203.0.113.9"); !strings.Contains(r, "dev uplink0") {
		t.Errorf("server no longer routed via uplink: %s", r)
	}

	if err := Revert(applied, t.Logf); err != nil {
		t.Fatal(err)
	}
	r := ip("-4", "route")
	for _, gone := range []string{"198.19.100.0/24", "0.0.0.0/1", "203.0.113.9"} {
		if strings.Contains(r, gone) {
			t.Errorf("route %s still present after revert:\n%s", gone, r)
		}
	}
	if !strings.Contains(r, "default via 198.18.5.1") {
		t.Errorf("revert removed a route it did not add:\n%s", r)
	}
	if a := ip("addr", "show", name); strings.Contains(a, "198.19.7.2") {
		t.Errorf("address still present after revert:\n%s", a)
	}
	// A second revert finds nothing to do and is not an error.
	if err := Revert(applied, t.Logf); err != nil {
		t.Fatalf("second revert: %v", err)
	}
}

func TestApplyFailureLeavesNothing(t *testing.T) {
	if !inPrivateNetns(t) {
		return
	}
	dev, err := tun.Create("cvpntest1", 1500)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	name, _ := dev.Name()
	cfg := Config{
		Interface: name,
		Addresses: []netip.Prefix{netip.MustParsePrefix("198.19.8.2/24")},
		Routes: []Route{
			{Dst: netip.MustParsePrefix("198.19.101.0/24"), Gateway: netip.MustParseAddr("198.19.8.1")},
			// Unreachable gateway: the kernel refuses this route.
			{Dst: netip.MustParsePrefix("198.19.102.0/24"), Gateway: netip.MustParseAddr("192.0.2.1")},
		},
	}
	if _, err := Apply(cfg, t.Logf); err == nil {
		t.Fatal("apply with an unreachable gateway succeeded")
	} else if !strings.Contains(err.Error(), "198.19.102.0/24") {
		t.Errorf("error does not name the failing route: %v", err)
	}
	out, _ := exec.Command("ip", "-4", "route").CombinedOutput()
	if strings.Contains(string(out), "198.19.101.0/24") {
		t.Errorf("first route left behind after a failed apply:\n%s", out)
	}
	out, _ = exec.Command("ip", "addr", "show", name).CombinedOutput()
	if strings.Contains(string(out), "198.19.8.2") {
		t.Errorf("address left behind after a failed apply:\n%s", out)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"minimal", Config{Interface: "t0"}, true},
		{"no name", Config{}, false},
		{"tiny mtu", Config{Interface: "t0", MTU: 100}, false},
		{"mixed family", Config{Interface: "t0", Routes: []Route{{Dst: netip.MustParsePrefix("10.0.0.0/8"), Gateway: netip.MustParseAddr("fd00::1")}}}, false},
		{"bad route", Config{Interface: "t0", Routes: []Route{{}}}, false},
	}
	for _, tc := range tests {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
