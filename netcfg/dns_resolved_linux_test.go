package netcfg

import (
	"bufio"
	"errors"
	"fmt"
	"github.com/cvpn/cvpn/internal/testenv"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
)

// resolvedRecorder stands in for systemd-resolved on the bus.
type resolvedRecorder struct {
	mu      sync.Mutex // the fake on a bus records from the bus's goroutine
	calls   []string
	failOn  string
	unknown string // a method this resolved is too old to have
}

func (r *resolvedRecorder) rec(method string, format string, args ...any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, method+" "+fmt.Sprintf(format, args...))
	if method == r.failOn {
		return errors.New("org.freedesktop.DBus.Error.AccessDenied")
	}
	if method == r.unknown {
		return dbus.MakeUnknownMethodError(method)
	}
	return nil
}

func (r *resolvedRecorder) SetLinkDNSEx(i int32, a []resolvedAddrEx) error {
	var s []string
	for _, x := range a {
		ip, _ := netip.AddrFromSlice(x.Address)
		s = append(s, fmt.Sprintf("%d:%v:%d#%s", x.Family, ip, x.Port, x.Name))
	}
	return r.rec("SetLinkDNSEx", "%d %v", i, s)
}
func (r *resolvedRecorder) SetLinkDNSSEC(i int32, mode string) error {
	return r.rec("SetLinkDNSSEC", "%d %s", i, mode)
}
func (r *resolvedRecorder) SetLinkDNSOverTLS(i int32, mode string) error {
	return r.rec("SetLinkDNSOverTLS", "%d %s", i, mode)
}

func (r *resolvedRecorder) SetLinkDNS(i int32, a []resolvedAddr) error {
	var s []string
	for _, x := range a {
		ip, _ := netip.AddrFromSlice(x.Address)
		s = append(s, fmt.Sprintf("%d:%v", x.Family, ip))
	}
	return r.rec("SetLinkDNS", "%d %v", i, s)
}
func (r *resolvedRecorder) SetLinkDomains(i int32, d []resolvedDomain) error {
	return r.rec("SetLinkDomains", "%d %v", i, d)
}
func (r *resolvedRecorder) SetLinkDefaultRoute(i int32, def bool) error {
	return r.rec("SetLinkDefaultRoute", "%d %v", i, def)
}
func (r *resolvedRecorder) RevertLink(i int32) error { return r.rec("RevertLink", "%d", i) }
func (r *resolvedRecorder) Close() error             { return r.rec("Close", "") }

func TestResolvedApply(t *testing.T) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		testenv.Unavailable(t, "no lo: %v", err)
	}
	d := &DNS{
		Servers:       []netip.AddrPort{netip.MustParseAddrPort("198.19.1.1:0"), netip.MustParseAddrPort("[fd00::1]:53")},
		SearchDomains: []string{"lab.example"},
		RouteDomains:  []string{"corp.example"},
		Default:       true,
	}
	onPort := *d
	onPort.Servers = append(onPort.Servers, netip.MustParseAddrPort("198.19.1.2:5353"))
	secure := *d
	secure.DNSSEC, secure.OverTLS, secure.ServerName = "allow-downgrade", true, "dns.lab.example"
	tests := []struct {
		name            string
		dns             *DNS
		failOn, unknown string
		want            []string
	}{
		{name: "all calls", dns: d, want: []string{
			"SetLinkDNS %d [2:198.19.1.1 10:fd00::1]",
			"SetLinkDomains %d [{lab.example false} {corp.example true} {. true}]",
			"SetLinkDefaultRoute %d true",
			"Close ",
		}},
		{name: "refused halfway, recorded for RevertLink", dns: d, failOn: "SetLinkDomains", want: []string{
			"SetLinkDNS %d [2:198.19.1.1 10:fd00::1]",
			"SetLinkDomains %d [{lab.example false} {corp.example true} {. true}]",
			"Close ",
		}},
		{name: "a server on another port", dns: &onPort, want: []string{
			"SetLinkDNSEx %d [2:198.19.1.1:0# 10:fd00::1:53# 2:198.19.1.2:5353#]",
			"SetLinkDomains %d [{lab.example false} {corp.example true} {. true}]",
			"SetLinkDefaultRoute %d true",
			"Close ",
		}},
		{name: "a resolved without SetLinkDNSEx skips that server", dns: &onPort, unknown: "SetLinkDNSEx", want: []string{
			"SetLinkDNSEx %d [2:198.19.1.1:0# 10:fd00::1:53# 2:198.19.1.2:5353#]",
			"SetLinkDNS %d [2:198.19.1.1 10:fd00::1]",
			"SetLinkDomains %d [{lab.example false} {corp.example true} {. true}]",
			"SetLinkDefaultRoute %d true",
			"Close ",
		}},
		{name: "DNSSEC and DNS over TLS with a server name", dns: &secure, want: []string{
			"SetLinkDNSEx %d [2:198.19.1.1:0#dns.lab.example 10:fd00::1:53#dns.lab.example]",
			"SetLinkDomains %d [{lab.example false} {corp.example true} {. true}]",
			"SetLinkDefaultRoute %d true",
			"SetLinkDNSSEC %d allow-downgrade",
			"SetLinkDNSOverTLS %d yes",
			"Close ",
		}},
		{name: "a resolved without DNS over TLS still gets the servers", dns: &secure, unknown: "SetLinkDNSOverTLS", want: []string{
			"SetLinkDNSEx %d [2:198.19.1.1:0#dns.lab.example 10:fd00::1:53#dns.lab.example]",
			"SetLinkDomains %d [{lab.example false} {corp.example true} {. true}]",
			"SetLinkDefaultRoute %d true",
			"SetLinkDNSSEC %d allow-downgrade",
			"SetLinkDNSOverTLS %d yes",
			"Close ",
		}},
		{name: "DNSSEC refused", dns: &secure, failOn: "SetLinkDNSSEC", want: []string{
			"SetLinkDNSEx %d [2:198.19.1.1:0#dns.lab.example 10:fd00::1:53#dns.lab.example]",
			"SetLinkDomains %d [{lab.example false} {corp.example true} {. true}]",
			"SetLinkDefaultRoute %d true",
			"SetLinkDNSSEC %d allow-downgrade",
			"Close ",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "resolv.conf")
			write(t, path, origResolvConf)
			r := &resolvedRecorder{failOn: tc.failOn, unknown: tc.unknown}
			rc := resolvConf{path: path, resolved: func() (resolvedOps, error) { return r, nil }}
			done := &Applied{Interface: "lo"}
			err := applyDNS(rc, Config{Interface: "lo", DNS: tc.dns, Checkpoint: func(*Applied) error {
				t.Error("checkpoint called: resolved needs no backup")
				return nil
			}}, done, t.Logf)
			if (err != nil) != (tc.failOn != "") {
				t.Fatalf("err = %v", err)
			}
			var want []string
			for _, w := range tc.want {
				if strings.Contains(w, "%d") {
					w = fmt.Sprintf(w, lo.Index)
				}
				want = append(want, w)
			}
			if got := strings.Join(r.calls, "\n"); got != strings.Join(want, "\n") {
				t.Errorf("calls:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
			}
			if done.DNS == nil || done.DNS.Mode != modeResolved || done.DNS.IfIndex != lo.Index || done.DNS.Link != "lo" {
				t.Errorf("record %+v", done.DNS)
			}
			if b, _ := os.ReadFile(path); string(b) != origResolvConf {
				t.Errorf("resolv.conf changed in resolved mode:\n%s", b)
			}
		})
	}
}

func TestResolvedUnavailableFallsBackToResolvConf(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "resolv.conf")
	write(t, path, origResolvConf)
	rc := resolvConf{path: path, resolved: func() (resolvedOps, error) { return nil, errors.New("no bus") }}
	done := &Applied{}
	if err := applyDNS(rc, Config{Interface: "tun9", DNS: testDNS}, done, t.Logf); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != wantResolvConf || done.DNS.Mode != modeResolvConf {
		t.Fatalf("mode %q, resolv.conf:\n%s", done.DNS.Mode, b)
	}
}

func TestResolvedRevert(t *testing.T) {
	rec := &AppliedDNS{Mode: modeResolved, Link: "tun9", IfIndex: 42}
	tests := []struct {
		name string
		link func(int) (string, error)
		want string
	}{
		{"same link", func(int) (string, error) { return "tun9", nil }, "RevertLink 42"},
		{"link gone", func(int) (string, error) { return "", errors.New("no such network interface") }, ""},
		{"index reused by another link", func(int) (string, error) { return "eth7", nil }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &resolvedRecorder{}
			if err := revertResolved(r, rec, tc.link, t.Logf); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(r.calls, "\n"); got != tc.want {
				t.Errorf("calls %q, want %q", got, tc.want)
			}
		})
	}
}

// TestResolvedWireSignatures: the arguments marshal to the signatures of
// org.freedesktop.resolve1(5).
func TestResolvedWireSignatures(t *testing.T) {
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{int32(0), []resolvedAddr{}}, "ia(iay)"},
		{[]any{int32(0), []resolvedAddrEx{}}, "ia(iayqs)"},
		{[]any{int32(0), "yes"}, "is"},
		{[]any{int32(0), []resolvedDomain{}}, "ia(sb)"},
		{[]any{int32(0), true}, "ib"},
	} {
		if got := dbus.SignatureOf(tc.args...).String(); got != tc.want {
			t.Errorf("signature %s, want %s", got, tc.want)
		}
	}
}

// fakeResolved is exported on a private bus as org.freedesktop.resolve1.
type fakeResolved struct{ r *resolvedRecorder }

func (f fakeResolved) SetLinkDNS(i int32, a []resolvedAddr) *dbus.Error {
	_ = f.r.SetLinkDNS(i, a)
	return nil
}
func (f fakeResolved) SetLinkDomains(i int32, d []resolvedDomain) *dbus.Error {
	_ = f.r.SetLinkDomains(i, d)
	return nil
}
func (f fakeResolved) SetLinkDefaultRoute(i int32, b bool) *dbus.Error {
	_ = f.r.SetLinkDefaultRoute(i, b)
	return nil
}
func (f fakeResolved) SetLinkDNSEx(i int32, a []resolvedAddrEx) *dbus.Error {
	_ = f.r.SetLinkDNSEx(i, a)
	return nil
}
func (f fakeResolved) SetLinkDNSSEC(i int32, mode string) *dbus.Error {
	_ = f.r.SetLinkDNSSEC(i, mode)
	return nil
}
func (f fakeResolved) SetLinkDNSOverTLS(i int32, mode string) *dbus.Error {
	_ = f.r.SetLinkDNSOverTLS(i, mode)
	return nil
}
func (f fakeResolved) RevertLink(i int32) *dbus.Error {
	_ = f.r.RevertLink(i)
	return nil
}

// TestResolvedOverPrivateBus makes the real D-Bus calls against a fake
// resolved on a private dbus-daemon: names, paths and signatures.
func TestResolvedOverPrivateBus(t *testing.T) {
	daemon := testenv.RequireCommand(t, "dbus-daemon")
	cmd := exec.Command(daemon, "--session", "--nofork", "--nopidfile", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	dial := func() *dbus.Conn {
		c, err := dbus.Connect(strings.TrimSpace(addr))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	server := dial()
	defer server.Close()
	rec := &resolvedRecorder{}
	if err := server.Export(fakeResolved{rec}, resolvedPath, strings.TrimSuffix(resolvedIface, ".")); err != nil {
		t.Fatal(err)
	}
	if reply, err := server.RequestName(resolvedName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatal(reply, err)
	}
	r, err := onBus(t.Context(), dial())
	if err != nil {
		t.Fatal(err)
	}
	d := &DNS{Servers: []netip.AddrPort{netip.MustParseAddrPort("198.19.1.1:0")}, SearchDomains: []string{"lab.example"}, Default: true}
	if err := applyResolved(r, "tun9", 42, d, &Applied{}, t.Logf); err != nil {
		t.Fatal(err)
	}
	secure := &DNS{Servers: []netip.AddrPort{netip.MustParseAddrPort("198.19.1.1:853")}, DNSSEC: "yes", OverTLS: true, ServerName: "dns.lab.example"}
	if err := applyResolved(r, "tun9", 42, secure, &Applied{}, t.Logf); err != nil {
		t.Fatal(err)
	}
	if err := revertResolved(r, &AppliedDNS{Mode: modeResolved, Link: "tun9", IfIndex: 42}, func(int) (string, error) { return "tun9", nil }, t.Logf); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	want := "SetLinkDNS 42 [2:198.19.1.1]\nSetLinkDomains 42 [{lab.example false} {. true}]\nSetLinkDefaultRoute 42 true\n" +
		"SetLinkDNSEx 42 [2:198.19.1.1:853#dns.lab.example]\nSetLinkDomains 42 []\nSetLinkDefaultRoute 42 false\nSetLinkDNSSEC 42 yes\nSetLinkDNSOverTLS 42 yes\n" +
		"RevertLink 42"
	rec.mu.Lock()
	got := strings.Join(rec.calls, "\n")
	rec.mu.Unlock()
	if got != want {
		t.Errorf("resolved saw:\n%s\nwant:\n%s", got, want)
	}

	// Connected the way connectResolved does it: the connection must
	// outlive connectBus, whose timeout once closed it on return, so
	// every call after it failed with "use of closed network connection"
	// against a real systemd-resolved.
	r2, err := connectBus(func(o ...dbus.ConnOption) (*dbus.Conn, error) { return dbus.Connect(strings.TrimSpace(addr), o...) })
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.RevertLink(7); err != nil {
		t.Errorf("RevertLink after connectBus returned: %v", err)
	}
	if err := r2.Close(); err != nil {
		t.Error(err)
	}

	// Nobody owning the name: not usable, so Apply falls back.
	server.ReleaseName(resolvedName)
	if _, err := onBus(t.Context(), dial()); err == nil {
		t.Error("resolved found on a bus where nobody owns its name")
	}
}
