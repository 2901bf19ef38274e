package netcfg

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"
)

// Its own name: the Linux golden test's -update is not built on macOS.

// darwinRecorder stands in for macOS: it writes down every routing-socket
// message and command, answers EEXIST for routes listed in exists, and
// fails the call whose text contains failOn.
type darwinRecorder struct {
	calls  []string
	exists map[string]bool
	failOn string
	gone   bool // deletes and -alias find nothing
}

func (r *darwinRecorder) logf(format string, args ...any) {
	r.calls = append(r.calls, "# "+fmt.Sprintf(format, args...))
}

func (r *darwinRecorder) call(s string) error {
	if r.failOn != "" && strings.Contains(s, r.failOn) {
		r.calls = append(r.calls, s+" -> EPERM")
		return syscall.EPERM
	}
	return nil
}

func (r *darwinRecorder) AddRoute(rt darwinRoute) error {
	s := "RTM_ADD " + rt.String()
	if err := r.call(s); err != nil {
		return err
	}
	if r.exists[rt.Dst.String()] {
		r.calls = append(r.calls, s+" -> EEXIST")
		return syscall.EEXIST
	}
	r.calls = append(r.calls, s)
	return nil
}

func (r *darwinRecorder) DeleteRoute(rt darwinRoute) error {
	s := "RTM_DELETE " + rt.String()
	if r.gone {
		r.calls = append(r.calls, s+" -> ESRCH")
		return syscall.ESRCH
	}
	r.calls = append(r.calls, s)
	return nil
}

func (r *darwinRecorder) Run(argv []string, stdin string) ([]byte, error) {
	s := strings.Join(argv, " ")
	if stdin != "" {
		s += " <<EOF\n" + stdin + "EOF"
	}
	if err := r.call(s); err != nil {
		return []byte("ifconfig: ioctl (SIOCAIFADDR): Operation not permitted\n"), errors.New("exit status 1")
	}
	if r.gone && strings.HasSuffix(s, "-alias") {
		r.calls = append(r.calls, s+" -> exit 1")
		return []byte("ifconfig: interface utun4 does not exist\n"), errors.New("exit status 1")
	}
	r.calls = append(r.calls, s)
	return nil, nil
}

// fakeDarwinPath answers RTM_GET as a Mac whose default routes leave
// through en0 (192.0.2.254, fe80::1), whose en0 is on 192.0.2.0/24 and
// 100.64.8.0/22, which
// has no IPv4 route to 203.0.113.0/24, and whose utun4 already carries
// 10.8.0.0/24 — the picture of the Linux golden test.
func fakeDarwinPath(dst netip.Addr) darwinPath {
	switch {
	case dst.IsLoopback():
		return darwinPath{Iface: "lo0", Local: true}
	case pfx("192.0.2.0/24").Contains(dst), pfx("100.64.8.0/22").Contains(dst):
		return darwinPath{Iface: "en0"}
	case pfx("10.8.0.0/24").Contains(dst):
		return darwinPath{Iface: "utun4"}
	case pfx("203.0.113.0/24").Contains(dst):
		return darwinPath{Err: syscall.ENETUNREACH}
	case dst.Is4():
		return darwinPath{Iface: "en0", Gateway: addr("192.0.2.254")}
	}
	return darwinPath{Iface: "en0", Gateway: addr("fe80::1")}
}

func (p darwinPath) String() string {
	switch {
	case p.Err != nil:
		return p.Err.Error()
	case p.Local:
		return "local, interface " + p.Iface
	case p.Gateway.IsValid():
		return "gateway " + p.Gateway.String() + " interface " + p.Iface
	}
	return "on-link, interface " + p.Iface
}

// fakeDarwinAddrs gives en0 two addresses on one subnet, a second subnet
// and a host address, as the Linux golden test's eth0 has.
func fakeDarwinAddrs(iface string) ([]netip.Prefix, error) {
	if iface != "en0" {
		return nil, nil
	}
	return []netip.Prefix{pfx("192.0.2.10/24"), pfx("192.0.2.11/24"), pfx("100.64.8.9/22"), pfx("203.0.113.50/32")}, nil
}

func darwinTestView(cfg Config, r *darwinRecorder) darwinView {
	v, err := newDarwinView(cfg, func(a netip.Addr) darwinPath {
		p := fakeDarwinPath(a)
		r.calls = append(r.calls, fmt.Sprintf("RTM_GET %v -> %v", a, p))
		return p
	}, func(iface string) ([]netip.Prefix, error) {
		as, err := fakeDarwinAddrs(iface)
		r.calls = append(r.calls, fmt.Sprintf("getifaddrs %s -> %v", iface, as))
		return as, err
	})
	if err != nil {
		panic(err) // the fakes do not fail
	}
	return v
}

// TestDarwinGolden compares the macOS plan's calls for Apply and then
// Revert with testdata/darwin/NAME.golden, for the configurations of the
// Linux golden test and two with DNS. Run
// `go test ./netcfg -run TestDarwinGolden -update` after an
// intended change. Nothing here has been checked against a real Mac.
func TestDarwinGolden(t *testing.T) {
	gw := addr("10.8.0.1")
	const tun = "utun4"
	tests := []struct {
		name   string
		cfg    Config
		exists []string
	}{
		{name: "split", cfg: Config{Interface: tun, MTU: 1500, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("10.20.0.0/16"), Gateway: gw}, {Dst: pfx("172.16.5.0/24"), Gateway: gw, Metric: 100}}}},
		{name: "full-def1", cfg: Config{Interface: tun, MTU: 1500, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw}},
			Bypass: []netip.Addr{addr("198.51.100.1")}}},
		{name: "ipv6", cfg: Config{Interface: tun, MTU: 1400, Addresses: []netip.Prefix{pfx("10.8.0.2/24"), pfx("fd00:8::2/64")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw},
				{Dst: pfx("::/1"), Gateway: addr("fd00:8::1")}, {Dst: pfx("8000::/1"), Gateway: addr("fd00:8::1")}},
			Bypass: []netip.Addr{addr("2001:db8::1")}}},
		{name: "net30", cfg: Config{Interface: tun, Addresses: []netip.Prefix{pfx("10.8.0.6/30")}, PeerV4: addr("10.8.0.5"),
			Routes: []Route{{Dst: pfx("10.8.0.1/32"), Gateway: addr("10.8.0.5")}}}},
		{name: "routes-that-exist", cfg: Config{Interface: tun, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("10.20.0.0/16"), Gateway: gw}, {Dst: pfx("10.30.0.0/16"), Gateway: gw}},
			Bypass: []netip.Addr{addr("198.51.100.1")}}, exists: []string{"10.20.0.0/16", "198.51.100.1/32"}},
		{name: "server-on-loopback", cfg: Config{Interface: tun, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}}, Bypass: []netip.Addr{addr("127.0.0.1")}}},
		{name: "net-gateway", cfg: Config{Interface: tun, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw},
				{Dst: pfx("198.18.7.0/24"), NetGateway: true, Metric: 5}, {Dst: pfx("192.0.2.128/25"), NetGateway: true},
				{Dst: pfx("100.64.0.0/10"), NetGateway: true}, {Dst: pfx("203.0.113.0/24"), NetGateway: true},
				{Dst: pfx("10.8.0.0/24"), NetGateway: true}, {Dst: pfx("127.0.0.0/8"), NetGateway: true},
				{Dst: pfx("2001:db8:5::/48"), NetGateway: true}},
			Bypass: []netip.Addr{addr("198.51.100.1")}}, exists: []string{"100.64.0.0/10"}},
		{name: "block-ipv6", cfg: Config{Interface: tun, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw},
				{Dst: pfx("::/3"), Unreachable: true}, {Dst: pfx("2000::/4"), Unreachable: true},
				{Dst: pfx("3000::/4"), Unreachable: true}, {Dst: pfx("fc00::/7"), Unreachable: true}},
			Bypass: []netip.Addr{addr("198.51.100.1")}}, exists: []string{"fc00::/7"}},
		// All names to the tunnel's servers: the service becomes primary.
		{name: "dns-full", cfg: Config{Interface: tun, MTU: 1500, Addresses: []netip.Prefix{pfx("10.8.0.2/24"), pfx("fd00:8::2/64")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw}},
			Bypass: []netip.Addr{addr("198.51.100.1")},
			DNS: &DNS{Servers: []netip.AddrPort{netip.AddrPortFrom(addr("10.8.0.1"), 0), netip.AddrPortFrom(addr("fd00:8::1"), 0)},
				SearchDomains: []string{"corp.example"}, Default: true}}},
		// Split DNS: only the routing domains go to the tunnel's servers.
		{name: "dns-split", cfg: Config{Interface: tun, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("10.20.0.0/16"), Gateway: gw}},
			DNS: &DNS{Servers: []netip.AddrPort{netip.AddrPortFrom(addr("10.20.0.53"), 0)},
				SearchDomains: []string{"corp.example"}, RouteDomains: []string{"corp.example", "internal.example"}}}},
		// block-local: the halves of en0's subnets into the tunnel, and
		// the gateway on en0 outside it; nothing when the server is on
		// the LAN.
		{name: "block-local", cfg: Config{Interface: tun, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw}},
			Bypass: []netip.Addr{addr("198.51.100.1")}, BlockLocal: true}},
		{name: "block-local-server-on-lan", cfg: Config{Interface: tun, Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
			Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: gw}, {Dst: pfx("128.0.0.0/1"), Gateway: gw}},
			Bypass: []netip.Addr{addr("100.64.9.1")}, BlockLocal: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &darwinRecorder{exists: map[string]bool{}}
			for _, e := range tt.exists {
				r.exists[e] = true
			}
			a, err := applyDarwin(r, tt.cfg, darwinTestView(tt.cfg, r), r.logf)
			if err != nil {
				t.Fatal(err)
			}
			r.calls = append(r.calls, "-- revert --")
			if err := revertDarwin(r, a, r.logf); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(r.calls, "\n") + "\n"
			checkGolden(t, "darwin", tt.name, got)
		})
	}
}

// TestDarwinApplyFailureUndoes: a failing step undoes everything before it
// and returns the error; nothing is left recorded.
func TestDarwinApplyFailureUndoes(t *testing.T) {
	cfg := Config{Interface: "utun4", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
		Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: addr("10.8.0.1")}, {Dst: pfx("128.0.0.0/1"), Gateway: addr("10.8.0.1")}},
		Bypass: []netip.Addr{addr("198.51.100.1")}}
	r := &darwinRecorder{failOn: "128.0.0.0/1"}
	a, err := applyDarwin(r, cfg, darwinTestView(cfg, r), r.logf)
	if a != nil || !errors.Is(err, syscall.EPERM) {
		t.Fatalf("applyDarwin = %v, %v; want nil, EPERM", a, err)
	}
	var adds, dels []string
	for _, c := range r.calls {
		if s, ok := strings.CutPrefix(c, "RTM_ADD "); ok && !strings.HasSuffix(s, "EPERM") {
			adds = append(adds, s)
		}
		if s, ok := strings.CutPrefix(c, "RTM_DELETE "); ok {
			dels = append(dels, s)
		}
	}
	if len(adds) != 3 || len(dels) != 3 {
		t.Fatalf("added %q, removed %q; want the same three routes", adds, dels)
	}
	for i := range adds {
		if adds[i] != dels[len(dels)-1-i] {
			t.Errorf("add %d %q undone as %q", i, adds[i], dels[len(dels)-1-i])
		}
	}
	if last := r.calls[len(r.calls)-2]; last != "/sbin/ifconfig utun4 inet 10.8.0.2 -alias" {
		t.Errorf("last call %q, want the address removed", last)
	}
}

// TestDarwinRevertGone: everything already gone (the utun closed) is not
// an error.
func TestDarwinRevertGone(t *testing.T) {
	a := &Applied{Interface: "utun4", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
		Routes: []AppliedRoute{{Route: Route{Dst: pfx("10.8.0.0/24")}, Device: "utun4"},
			{Route: Route{Dst: pfx("198.51.100.1/32"), Gateway: addr("192.0.2.254")}, Device: "en0"},
			{Route: Route{Dst: pfx("::/3"), Unreachable: true}}}}
	r := &darwinRecorder{gone: true}
	if err := revertDarwin(r, a, r.logf); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(r.calls, "\n"), "already gone"); n != 4 {
		t.Errorf("%d already-gone lines, want 4:\n%s", n, strings.Join(r.calls, "\n"))
	}
}

// TestDarwinDNSCheckpoint: the record naming the configd service reaches
// the checkpoint before scutil runs, and a failing checkpoint stops Apply
// without running it.
func TestDarwinDNSCheckpoint(t *testing.T) {
	cfg := Config{Interface: "utun4", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
		DNS: &DNS{Servers: []netip.AddrPort{netip.AddrPortFrom(addr("10.8.0.1"), 0)}, Default: true}}
	r := &darwinRecorder{}
	var seen *Applied
	cfg.Checkpoint = func(a *Applied) error {
		seen = a
		for _, c := range r.calls {
			if strings.Contains(c, "scutil") {
				t.Error("scutil ran before the checkpoint")
			}
		}
		return errors.New("disk full")
	}
	_, err := applyDarwin(r, cfg, darwinView{}, r.logf)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the checkpoint's", err)
	}
	if seen == nil || seen.DNS == nil || seen.DNS.Mode != "scutil" || seen.DNS.Link != "cvpn-utun4" || len(seen.Addresses) != 1 {
		t.Fatalf("checkpoint got %+v", seen)
	}
	for _, c := range r.calls {
		if strings.Contains(c, "scutil") {
			t.Errorf("scutil ran: %s", c)
		}
	}
}

// Own helpers: the Linux test's pfx and addr are not built on macOS.
