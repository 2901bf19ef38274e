package netcfg

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"
)

// winRecorder stands in for IP Helper and the registry: it answers route
// lookups from a fixed picture of a machine (cvpn0 the tunnel, Ethernet
// with a default gateway, the loopback) and writes down every call.
type winRecorder struct {
	calls  []string
	exists map[string]bool // route destinations Windows already has
	fail   string          // a route destination, NRPT key or part of a WFP filter whose creation fails
	quiet  bool            // leave changes out while applying: the plan shows them
	dhcp   netip.Addr      // Ethernet's DHCP server
	// sublayerTaken: another tunnel's session has added cvpn's sublayer.
	sublayerTaken bool
}

var winIfaces = map[string]uint32{"Loopback Pseudo-Interface 1": 1, "Ethernet": 2, "Wi-Fi": 3, "cvpn0": 10}

const testTunLUID = 0x8000000a000000 // fake, but LUID-shaped: index in the middle bits

// interfaces answers as a machine with the loopback, Ethernet (the
// default route, two IPv4 networks, link-local and global IPv6), a Wi-Fi
// adapter without a default route, and the tunnel.
func (r *winRecorder) interfaces() ([]winIface, error) {
	r.calls = append(r.calls, "GetAdaptersAddresses")
	dhcp := r.dhcp
	if !dhcp.IsValid() {
		dhcp = addr("192.0.2.1")
	}
	return []winIface{
		{Index: 1, Name: "Loopback Pseudo-Interface 1", Loopback: true, Prefixes: []netip.Prefix{pfx("127.0.0.1/8"), pfx("::1/128")}},
		{Index: 2, Name: "Ethernet", Default: true, Gateway: addr("192.0.2.254"), DHCPServer: dhcp,
			Prefixes: []netip.Prefix{pfx("192.0.2.10/24"), pfx("172.31.16.7/20"), pfx("fe80::10/64"), pfx("2001:db8:1::10/64")}},
		{Index: 3, Name: "Wi-Fi", Prefixes: []netip.Prefix{pfx("10.99.0.5/16")}},
		{Index: 10, Name: "cvpn0", Prefixes: []netip.Prefix{pfx("10.8.0.2/24")}},
	}, nil
}

func winName(index uint32) string {
	for n, i := range winIfaces {
		if i == index {
			return n
		}
	}
	return fmt.Sprint("if ", index)
}

func (r *winRecorder) logf(format string, args ...any) {
	r.calls = append(r.calls, "# "+fmt.Sprintf(format, args...))
}

func (r *winRecorder) call(format string, args ...any) {
	if !r.quiet {
		r.calls = append(r.calls, fmt.Sprintf(format, args...))
	}
}

// always records undo calls, which show during a failed Apply as well.
func (r *winRecorder) always(format string, args ...any) {
	r.calls = append(r.calls, fmt.Sprintf(format, args...))
}

func hopText(gw netip.Addr) string {
	if gw.IsValid() {
		return "via " + gw.String()
	}
	return "on-link"
}

func (r *winRecorder) SetMTU(index uint32, fam, mtu int) error {
	r.call("SetIpInterfaceEntry %s ipv%d NlMtu=%d", winName(index), fam, mtu)
	return nil
}

func (r *winRecorder) AddAddress(index uint32, p netip.Prefix) error {
	r.call("CreateUnicastIpAddressEntry %s %v", winName(index), p)
	return nil
}

func (r *winRecorder) DeleteAddress(index uint32, p netip.Prefix) error {
	r.always("DeleteUnicastIpAddressEntry %s %v", winName(index), p)
	return nil
}

func (r *winRecorder) AddRoute(index uint32, dst netip.Prefix, gw netip.Addr, metric int) error {
	if dst.String() == r.fail {
		r.calls = append(r.calls, fmt.Sprintf("CreateIpForwardEntry2 %s %v %s metric %d -> fails", winName(index), dst, hopText(gw), metric))
		return syscall.EINVAL
	}
	if r.exists[dst.String()] {
		r.calls = append(r.calls, fmt.Sprintf("CreateIpForwardEntry2 %s %v %s metric %d -> exists", winName(index), dst, hopText(gw), metric))
		return fmt.Errorf("%w: route", errWinExists)
	}
	r.call("CreateIpForwardEntry2 %s %v %s metric %d", winName(index), dst, hopText(gw), metric)
	return nil
}

func (r *winRecorder) DeleteRoute(index uint32, dst netip.Prefix, gw netip.Addr, metric int) error {
	r.always("DeleteIpForwardEntry2 %s %v %s", winName(index), dst, hopText(gw))
	return nil
}

func (r *winRecorder) IndexOf(name string) (uint32, error) {
	if i, ok := winIfaces[name]; ok {
		return i, nil
	}
	return 0, errWinGone
}

func (r *winRecorder) SetDNS(index uint32, fam int, servers []netip.Addr, domains []string) error {
	r.call("SetInterfaceDnsSettings %s ipv%d NameServer=%v SearchList=%v", winName(index), fam, servers, domains)
	return nil
}

func (r *winRecorder) FlushDNS(index uint32, fam int) error {
	r.always("SetInterfaceDnsSettings %s ipv%d NameServer=[] SearchList=[]", winName(index), fam)
	return nil
}

func (r *winRecorder) SetNRPT(key string, names []string, servers string) error {
	if key == r.fail {
		r.calls = append(r.calls, fmt.Sprintf(`RegCreateKey HKLM\...\DnsPolicyConfig\%s -> fails`, key))
		return syscall.EACCES
	}
	r.call(`RegCreateKey HKLM\...\DnsPolicyConfig\%s Name=%q GenericDNSServers=%q`, key, names, servers)
	return nil
}

func (r *winRecorder) DeleteNRPT(key string) error {
	r.always(`RegDeleteKey HKLM\...\DnsPolicyConfig\%s`, key)
	return nil
}

// bestRoute answers as a machine whose default routes leave through
// Ethernet, which is on 192.0.2.0/24, which has no IPv4 route to
// 203.0.113.0/24, and whose tunnel already carries 10.8.0.0/24.
func (r *winRecorder) bestRoute(dst netip.Addr) (winHop, error) {
	r.calls = append(r.calls, "GetBestRoute2 "+dst.String())
	eth := winHop{Index: 2, Name: "Ethernet"}
	switch {
	case dst.IsLoopback():
		return winHop{Index: 1, Name: "Loopback Pseudo-Interface 1", Loopback: true}, nil
	case pfx("192.0.2.0/24").Contains(dst), pfx("172.31.16.0/20").Contains(dst):
		return eth, nil
	case pfx("10.8.0.0/24").Contains(dst):
		return winHop{Index: 10, Name: "cvpn0"}, nil
	case pfx("203.0.113.0/24").Contains(dst):
		return winHop{}, errors.New("element not found")
	case dst.Is4():
		eth.NextHop = addr("192.0.2.254")
	default:
		eth.NextHop = addr("fe80::1")
	}
	return eth, nil
}

func dnsServers(s ...string) []netip.AddrPort {
	var out []netip.AddrPort
	for _, a := range s {
		out = append(out, netip.AddrPortFrom(addr(a), 0))
	}
	return out
}

// TestWindowsGolden renders, for a set of tunnel configurations, the
// Windows plan, what running it logs, the record it leaves and the calls
// that undo it, and compares that with testdata/windows/NAME.golden. Run
// `go test ./netcfg -run TestWindowsGolden -update` after an intended
// change. None of it has been checked against a real Windows machine.
func TestWindowsGolden(t *testing.T) {
	gw := addr("10.8.0.1")
	def1 := []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw}}
	tun := func(c Config) Config {
		c.Interface = "cvpn0"
		if c.Addresses == nil {
			c.Addresses = []netip.Prefix{pfx("10.8.0.2/24")}
		}
		return c
	}
	server := []netip.Addr{addr("198.51.100.1")}
	tests := []struct {
		name    string
		cfg     Config
		exists  []string
		fail    string
		dhcp    string
		wantErr bool
	}{
		{name: "split", cfg: tun(Config{MTU: 1500,
			Routes: []Route{{Dst: pfx("10.20.0.0/16"), Gateway: gw}, {Dst: pfx("172.16.5.0/24"), Gateway: gw, Metric: 100}}})},
		{name: "full-def1", cfg: tun(Config{MTU: 1500, Routes: def1, Bypass: []netip.Addr{addr("198.51.100.1")}})},
		{name: "ipv6", cfg: tun(Config{MTU: 1400, Addresses: []netip.Prefix{pfx("10.8.0.2/24"), pfx("fd00:8::2/64")},
			Routes: append(append([]Route{}, def1...),
				Route{Dst: pfx("::/1"), Gateway: addr("fd00:8::1")}, Route{Dst: pfx("8000::/1"), Gateway: addr("fd00:8::1")}),
			Bypass: []netip.Addr{addr("2001:db8::1")}})},
		// net_gateway routes: via the default gateway, on-link, an
		// existing one left alone, and three left out (no route, through
		// the tunnel already, local).
		{name: "net-gateway", cfg: tun(Config{
			Routes: append(append([]Route{}, def1...),
				Route{Dst: pfx("198.18.7.0/24"), NetGateway: true, Metric: 5}, Route{Dst: pfx("192.0.2.128/25"), NetGateway: true},
				Route{Dst: pfx("100.64.0.0/10"), NetGateway: true}, Route{Dst: pfx("203.0.113.0/24"), NetGateway: true},
				Route{Dst: pfx("10.8.0.0/24"), NetGateway: true}, Route{Dst: pfx("127.0.0.0/8"), NetGateway: true},
				Route{Dst: pfx("2001:db8:5::/48"), NetGateway: true}),
			Bypass: []netip.Addr{addr("198.51.100.1")}}), exists: []string{"100.64.0.0/10"}},
		// IPv6 blocked: on-link routes into the tunnel; one that exists
		// is left alone.
		{name: "block-ipv6", cfg: tun(Config{
			Routes: append(append([]Route{}, def1...),
				Route{Dst: pfx("::/3"), Unreachable: true}, Route{Dst: pfx("2000::/4"), Unreachable: true},
				Route{Dst: pfx("3000::/4"), Unreachable: true}, Route{Dst: pfx("fc00::/7"), Unreachable: true}),
			Bypass: []netip.Addr{addr("198.51.100.1")}}), exists: []string{"fc00::/7"}},
		{name: "dns-full", cfg: tun(Config{Routes: def1, Bypass: []netip.Addr{addr("198.51.100.1")},
			DNS: &DNS{Servers: dnsServers("10.8.0.53", "fd00:8::53"), SearchDomains: []string{"corp.example"}, Default: true}})},
		{name: "dns-split", cfg: tun(Config{Routes: []Route{{Dst: pfx("10.20.0.0/16"), Gateway: gw}},
			DNS: &DNS{Servers: append(dnsServers("10.8.0.53", "10.8.0.54"), netip.MustParseAddrPort("10.8.0.55:5353")),
				SearchDomains: []string{"corp.example"}, RouteDomains: []string{"corp.example", "lab.example."}}})},
		// A failure at the last step undoes everything done before it,
		// the rule whose creation failed included (it may be half
		// written).
		{name: "fail-undo", cfg: tun(Config{MTU: 1500, Routes: def1, Bypass: []netip.Addr{addr("198.51.100.1")},
			DNS: &DNS{Servers: dnsServers("10.8.0.53"), RouteDomains: []string{"corp.example", "lab.example"}}}),
			fail: "cvpn-10-1", wantErr: true},
		// block-outside-dns on a split tunnel: DNS filters only, no
		// leak block.
		{name: "dns-block-split", cfg: tun(Config{Routes: []Route{{Dst: pfx("10.20.0.0/16"), Gateway: gw}}, BlockOutsideDNS: true,
			DNS: &DNS{Servers: dnsServers("10.8.0.53"), RouteDomains: []string{"corp.example"}}})},
		// ... and on a full tunnel, with the IPv4 leak block.
		{name: "dns-block-full", cfg: tun(Config{Routes: def1, Bypass: server, BlockOutsideDNS: true,
			DNS: &DNS{Servers: dnsServers("10.8.0.53"), Default: true}})},
		// block-local: both IPv4 networks of Ethernet split into the
		// tunnel, the gateway kept outside, no local network permitted.
		{name: "block-local", cfg: tun(Config{Routes: def1, Bypass: server, BlockLocal: true})},
		// ... not done at all when the server is on the LAN.
		{name: "block-local-server-on-lan", cfg: tun(Config{Routes: def1, Bypass: []netip.Addr{addr("192.0.2.50")}, BlockLocal: true})},
		// bypass-dhcp: a DHCP server behind a relay gets a host route
		// outside the tunnel (and a WFP permit); one on the LAN needs none.
		{name: "bypass-dhcp", cfg: tun(Config{Routes: def1, Bypass: server, BypassDHCP: true}), dhcp: "198.18.0.67"},
		{name: "bypass-dhcp-local", cfg: tun(Config{Routes: def1, Bypass: server, BypassDHCP: true})},
		// A WFP filter that fails aborts the transaction, closes the
		// session and undoes what Apply did before.
		{name: "wfp-fail", cfg: tun(Config{MTU: 1500, Routes: def1, Bypass: server}), fail: "block everything else", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &winRecorder{exists: map[string]bool{}, fail: tt.fail}
			if tt.dhcp != "" {
				r.dhcp = addr(tt.dhcp)
			}
			for _, e := range tt.exists {
				r.exists[e] = true
			}
			v := winView{TunIndex: 10, TunName: "cvpn0", TunLUID: testTunLUID, BestRoute: r.bestRoute, Interfaces: r.interfaces}
			tt.cfg.Checkpoint = func(a *Applied) error {
				r.calls = append(r.calls, "checkpoint nrpt keys "+strings.Join(strings.Fields(string(a.DNS.Written)), ","))
				return nil
			}
			plan, err := planWindows(tt.cfg, v, r.logf)
			if err != nil {
				t.Fatal(err)
			}
			r.calls = append(r.calls, "-- plan --")
			for _, op := range plan {
				r.calls = append(r.calls, op.String())
			}
			r.calls = append(r.calls, "-- apply --")
			r.quiet = true
			a, err := runWindows(r, tt.cfg, v, plan, r.logf)
			r.quiet = false
			if tt.wantErr {
				if err == nil {
					t.Fatal("apply succeeded, want an error")
				}
				r.calls = append(r.calls, "error: "+err.Error())
			} else {
				if err != nil {
					t.Fatal(err)
				}
				rec, err := json.Marshal(a)
				if err != nil {
					t.Fatal(err)
				}
				var back Applied // the record must survive the state file
				if err := json.Unmarshal(rec, &back); err != nil {
					t.Fatal(err)
				}
				r.calls = append(r.calls, "-- record --", string(rec), "-- revert --")
				if err := revertWindows(r, &back, r.logf); err != nil {
					t.Fatal(err)
				}
			}
			got := strings.Join(r.calls, "\n") + "\n"
			checkGolden(t, "windows", tt.name, got)
		})
	}
}

// TestWindowsRevertGone: a record whose interface and rules are all gone
// reverts without error and touches nothing it cannot find.
func TestWindowsRevertGone(t *testing.T) {
	r := &winRecorder{}
	a := &Applied{Interface: "cvpn7", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
		Routes: []AppliedRoute{{Route: Route{Dst: pfx("10.20.0.0/16")}, Device: "cvpn7"}},
		DNS:    &AppliedDNS{Mode: modeWindows, Link: "cvpn7", IfIndex: 10, Written: []byte("cvpn-7-0\n")}}
	if err := revertWindows(goneOps{r}, a, r.logf); err != nil {
		t.Fatal(err)
	}
	if err := revertWindows(r, &Applied{Interface: "cvpn0", DNS: &AppliedDNS{Mode: modeResolvConf}}, r.logf); err == nil {
		t.Error("a record of another OS's DNS reverted without error")
	}
}

// goneOps answers every delete with errWinGone.
type goneOps struct{ *winRecorder }

func (goneOps) DeleteNRPT(string) error { return errWinGone }

// ipv6OffOps has no IPv6 on the tunnel interface.
type ipv6OffOps struct{ *winRecorder }

func (o ipv6OffOps) SetMTU(index uint32, fam, mtu int) error {
	if fam == 6 {
		return errWinGone
	}
	return o.winRecorder.SetMTU(index, fam, mtu)
}

// TestWindowsIPv6Off: an interface without IPv6 takes the IPv4 MTU and
// Apply goes on.
func TestWindowsIPv6Off(t *testing.T) {
	r := &winRecorder{}
	v := winView{TunIndex: 10, TunName: "cvpn0", TunLUID: testTunLUID, BestRoute: r.bestRoute, Interfaces: r.interfaces}
	cfg := Config{Interface: "cvpn0", MTU: 1500, Addresses: []netip.Prefix{pfx("10.8.0.2/24")}}
	plan, err := planWindows(cfg, v, r.logf)
	if err != nil {
		t.Fatal(err)
	}
	a, err := runWindows(ipv6OffOps{r}, cfg, v, plan, r.logf)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(r.calls, "\n")
	for _, want := range []string{"SetIpInterfaceEntry cvpn0 ipv4 NlMtu=1500", "# ipv6 mtu of cvpn0 not set: ipv6 is off there"} {
		if !strings.Contains(got, want) {
			t.Errorf("calls lack %q:\n%s", want, got)
		}
	}
	if len(a.Addresses) != 1 {
		t.Errorf("record has addresses %v, want the one", a.Addresses)
	}
}
