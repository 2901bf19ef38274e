package netcfg

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// recorder stands in for the kernel: it answers lookups from a fixed
// picture of a machine (tun0, eth0 with a default gateway, lo) and writes
// down every call that would change something.
type recorder struct {
	calls  []string
	exists map[string]bool // route destinations the kernel already has
	kernel []netlink.Route // what RoutesTo lists from
}

var fakeLinks = map[string]netlink.Link{
	"lo":   &netlink.Device{LinkAttrs: netlink.LinkAttrs{Name: "lo", Index: 1, Flags: net.FlagLoopback}},
	"eth0": &netlink.Device{LinkAttrs: netlink.LinkAttrs{Name: "eth0", Index: 2}},
	"tun0": &netlink.Tuntap{LinkAttrs: netlink.LinkAttrs{Name: "tun0", Index: 10}},
}

func (r *recorder) logf(format string, args ...any) {
	r.calls = append(r.calls, "# "+fmt.Sprintf(format, args...))
}

func (r *recorder) LinkByName(name string) (netlink.Link, error) {
	if l, ok := fakeLinks[name]; ok {
		return l, nil
	}
	return nil, netlink.LinkNotFoundError{}
}

func (r *recorder) LinkByIndex(index int) (netlink.Link, error) {
	for _, l := range fakeLinks {
		if l.Attrs().Index == index {
			return l, nil
		}
	}
	return nil, netlink.LinkNotFoundError{}
}

func (r *recorder) LinkSetMTU(l netlink.Link, mtu int) error {
	r.calls = append(r.calls, fmt.Sprintf("link set %s mtu %d", l.Attrs().Name, mtu))
	return nil
}

func (r *recorder) LinkSetUp(l netlink.Link) error {
	r.calls = append(r.calls, "link set "+l.Attrs().Name+" up")
	return nil
}

func addrText(a *netlink.Addr) string {
	s := a.IPNet.String()
	if a.Peer != nil {
		s += " peer " + a.Peer.String()
	}
	if a.Flags != 0 {
		s += fmt.Sprintf(" flags %#x", a.Flags)
	}
	return s
}

func (r *recorder) AddrAdd(l netlink.Link, a *netlink.Addr) error {
	r.calls = append(r.calls, "addr add "+addrText(a)+" dev "+l.Attrs().Name)
	return nil
}

func (r *recorder) AddrDel(l netlink.Link, a *netlink.Addr) error {
	r.calls = append(r.calls, "addr del "+addrText(a)+" dev "+l.Attrs().Name)
	return nil
}

func routeText(rt *netlink.Route) string {
	s := rt.Dst.String()
	if rt.Type == unix.RTN_UNREACHABLE {
		s = "unreachable " + s
	}
	if rt.Gw != nil {
		s += " via " + rt.Gw.String()
	}
	if l, err := (&recorder{}).LinkByIndex(rt.LinkIndex); err == nil {
		s += " dev " + l.Attrs().Name
	}
	if rt.Priority != 0 {
		s += fmt.Sprintf(" metric %d", rt.Priority)
	}
	return s
}

func (r *recorder) RouteAdd(rt *netlink.Route) error {
	if r.exists[rt.Dst.String()] {
		r.calls = append(r.calls, "route add "+routeText(rt)+" -> exists")
		return syscall.EEXIST
	}
	r.calls = append(r.calls, "route add "+routeText(rt))
	return nil
}

func (r *recorder) RouteDel(rt *netlink.Route) error {
	r.calls = append(r.calls, "route del "+routeText(rt))
	return nil
}

// RouteGet answers as a machine whose default routes leave through eth0,
// whose eth0 is on 192.0.2.0/24, which has no IPv4 route to 203.0.113.0/24
// (no default route covers it), and whose tun0 already carries 10.8.0.0/24.
func (r *recorder) RouteGet(dst net.IP) ([]netlink.Route, error) {
	r.calls = append(r.calls, "route get "+dst.String())
	_, eth0Net, _ := net.ParseCIDR("192.0.2.0/24")
	_, tunNet, _ := net.ParseCIDR("10.8.0.0/24")
	_, noNet, _ := net.ParseCIDR("203.0.113.0/24")
	switch {
	case dst.IsLoopback():
		return []netlink.Route{{LinkIndex: 1}}, nil
	case eth0Net.Contains(dst):
		return []netlink.Route{{LinkIndex: 2}}, nil
	case tunNet.Contains(dst):
		return []netlink.Route{{LinkIndex: 10}}, nil
	case noNet.Contains(dst):
		return nil, syscall.ENETUNREACH
	case dst.To4() != nil:
		return []netlink.Route{{LinkIndex: 2, Gw: net.ParseIP("192.0.2.254").To4()}}, nil
	}
	return []netlink.Route{{LinkIndex: 2, Gw: net.ParseIP("fe80::1")}}, nil
}

func (r *recorder) RoutesTo(dst netip.Prefix) ([]netlink.Route, error) {
	var out []netlink.Route
	for _, k := range r.kernel {
		if p, ok := updateDst(&k); ok && p == dst {
			out = append(out, k)
		}
	}
	return out, nil
}

// DefaultRoutes4 answers with eth0's default route, and a worse one on a
// second uplink that block-local must not pick.
func (r *recorder) DefaultRoutes4() ([]netlink.Route, error) {
	return []netlink.Route{
		{LinkIndex: 3, Gw: net.ParseIP("198.18.200.1").To4(), Priority: 600},
		{LinkIndex: 2, Gw: net.ParseIP("192.0.2.254").To4(), Priority: 100},
	}, nil
}

// Addrs4 gives eth0 two subnets (one twice) and a host address.
func (r *recorder) Addrs4(l netlink.Link) ([]netlink.Addr, error) {
	if l.Attrs().Name != "eth0" {
		return nil, nil
	}
	var as []netlink.Addr
	for _, c := range []string{"192.0.2.10/24", "192.0.2.11/24", "100.64.8.9/22", "203.0.113.50/32"} {
		ip, n, _ := net.ParseCIDR(c)
		n.IP = ip
		as = append(as, netlink.Addr{IPNet: n})
	}
	return as, nil
}

// TestLinuxGolden compares the netlink calls of Apply and then Revert, for
// a set of tunnel configurations, with testdata/linux/NAME.golden. Run
// `go test ./netcfg -run TestLinuxGolden -update` after an intended change.
func TestLinuxGolden(t *testing.T) {
	gw := addr("10.8.0.1")
	tests := []struct {
		name   string
		cfg    Config
		exists []string
	}{
		{name: "split", cfg: Config{Interface: "tun0", MTU: 1500, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("10.20.0.0/16"), Gateway: gw}, {Dst: pfx("172.16.5.0/24"), Gateway: gw, Metric: 100}}}},
		{name: "full-def1", cfg: Config{Interface: "tun0", MTU: 1500, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw}},
			Bypass: []netip.Addr{addr("198.51.100.1")}}},
		{name: "ipv6", cfg: Config{Interface: "tun0", MTU: 1400, Addresses: []netip.Prefix{pfx("10.8.0.2/24"), pfx("fd00:8::2/64")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw},
				{Dst: pfx("::/1"), Gateway: addr("fd00:8::1")}, {Dst: pfx("8000::/1"), Gateway: addr("fd00:8::1")}},
			Bypass: []netip.Addr{addr("2001:db8::1")}}},
		{name: "net30", cfg: Config{Interface: "tun0", Addresses: []netip.Prefix{pfx("10.8.0.6/30")}, PeerV4: addr("10.8.0.5"),
			Routes: []Route{{Dst: pfx("10.8.0.1/32"), Gateway: addr("10.8.0.5")}}}},
		{name: "routes-that-exist", cfg: Config{Interface: "tun0", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("10.20.0.0/16"), Gateway: gw}, {Dst: pfx("10.30.0.0/16"), Gateway: gw}},
			Bypass: []netip.Addr{addr("198.51.100.1")}}, exists: []string{"10.20.0.0/16", "198.51.100.1/32"}},
		{name: "server-on-loopback", cfg: Config{Interface: "tun0", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}}, Bypass: []netip.Addr{addr("127.0.0.1")}}},
		// net_gateway routes are looked up after the bypass and before the
		// tunnel's routes, and recorded as the concrete route: via the
		// default gateway, on-link, an existing one left alone, and three
		// left out (no route, through the tunnel already, local).
		{name: "net-gateway", cfg: Config{Interface: "tun0", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw},
				{Dst: pfx("198.18.7.0/24"), NetGateway: true, Metric: 5}, {Dst: pfx("192.0.2.128/25"), NetGateway: true},
				{Dst: pfx("100.64.0.0/10"), NetGateway: true}, {Dst: pfx("203.0.113.0/24"), NetGateway: true},
				{Dst: pfx("10.8.0.0/24"), NetGateway: true}, {Dst: pfx("127.0.0.0/8"), NetGateway: true},
				{Dst: pfx("2001:db8:5::/48"), NetGateway: true}},
			Bypass: []netip.Addr{addr("198.51.100.1")}}, exists: []string{"100.64.0.0/10"}},
		// IPv4 through the tunnel, IPv6 blocked: unreachable routes with no
		// device, undone like the others; one that exists is left alone.
		{name: "block-ipv6", cfg: Config{Interface: "tun0", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw},
				{Dst: pfx("::/3"), Unreachable: true}, {Dst: pfx("2000::/4"), Unreachable: true},
				{Dst: pfx("3000::/4"), Unreachable: true}, {Dst: pfx("fc00::/7"), Unreachable: true}},
			Bypass: []netip.Addr{addr("198.51.100.1")}}, exists: []string{"fc00::/7"}},
		// block-local: the halves of eth0's subnets into the tunnel, and
		// the gateway on-link outside it; nothing when the server is on
		// the LAN.
		{name: "block-local", cfg: Config{Interface: "tun0", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw}},
			Bypass: []netip.Addr{addr("198.51.100.1")}, BlockLocal: true}},
		{name: "block-local-server-on-lan", cfg: Config{Interface: "tun0", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw}},
			Bypass: []netip.Addr{addr("100.64.9.1")}, BlockLocal: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{exists: map[string]bool{}}
			for _, e := range tt.exists {
				r.exists[e] = true
			}
			a, err := applyWith(r, tt.cfg, r.logf)
			if err != nil {
				t.Fatal(err)
			}
			r.calls = append(r.calls, "-- revert --")
			if err := revertWith(r, a, r.logf); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(r.calls, "\n") + "\n"
			checkGolden(t, "linux", tt.name, got)
		})
	}
}
