package netcfg

import (
	"errors"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// darwinDNSTestRecord is what Apply records for a split-DNS tunnel on
// utun4, through the same script the golden tests show.
func darwinDNSTestRecord() *AppliedDNS {
	cfg := Config{Interface: "utun4", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
		DNS: &DNS{Servers: []netip.AddrPort{netip.AddrPortFrom(addr("10.20.0.53"), 0), netip.AddrPortFrom(addr("10.20.0.54"), 0)},
			SearchDomains: []string{"corp.example"}, RouteDomains: []string{"corp.example", "internal.example"}}}
	return darwinDNSOp(cfg).DNS
}

// ourSCUtilShow is scutil's answer while cvpn's dictionary is in place.
const ourSCUtilShow = `<dictionary> {
  SearchDomains : <array> {
    0 : corp.example
  }
  ServerAddresses : <array> {
    0 : 10.20.0.53
    1 : 10.20.0.54
  }
  SupplementalMatchDomains : <array> {
    0 : corp.example
    1 : internal.example
  }
}
`

func TestDarwinScriptDict(t *testing.T) {
	rec := darwinDNSTestRecord()
	got, ok := darwinScriptDict(string(rec.Written), darwinDNSKey(rec.Link))
	want := "SearchDomains=[corp.example]\nServerAddresses=[10.20.0.53 10.20.0.54]\nSupplementalMatchDomains=[corp.example internal.example]\n"
	if !ok || got != want {
		t.Errorf("got %q, %v; want %q", got, ok, want)
	}
	if _, ok := darwinScriptDict(string(rec.Written), darwinDNSKey("cvpn-utun9")); ok {
		t.Error("found a dictionary for a key the script does not set")
	}
	// The IPv4 entry set after the DNS one is not mistaken for it.
	ipv4, ok := darwinScriptDict(string(rec.Written), "State:/Network/Service/cvpn-utun4/IPv4")
	if !ok || !strings.Contains(ipv4, "InterfaceName=utun4") || strings.Contains(ipv4, "Server") {
		t.Errorf("IPv4 entry %q", ipv4)
	}
}

func TestParseSCUtilShow(t *testing.T) {
	rec := darwinDNSTestRecord()
	ours, _ := darwinScriptDict(string(rec.Written), darwinDNSKey(rec.Link))
	tests := []struct {
		name, out  string
		ok, isOurs bool
	}{
		{"ours", ourSCUtilShow, true, true},
		{"ours, other layout", strings.ReplaceAll(ourSCUtilShow, "  ", "\t"), true, true},
		{"servers reordered", strings.NewReplacer("0 : 10.20.0.53", "0 : 10.20.0.54", "1 : 10.20.0.54", "1 : 10.20.0.53").Replace(ourSCUtilShow), true, false},
		{"a key added", strings.Replace(ourSCUtilShow, "}\n", "}\n  DomainName : evil.example\n", 1), true, false},
		{"no such key", "  No such key\n", true, false},
		{"empty dictionary", "<dictionary> {\n}\n", true, false},
		{"nested dictionary", "<dictionary> {\n  Options : <dictionary> {\n    x : 1\n  }\n}\n", false, false},
		{"array out of order", "<dictionary> {\n  A : <array> {\n    1 : x\n  }\n}\n", false, false},
		{"unterminated", "<dictionary> {\n  A : 1\n", false, false},
		{"garbage", "scutil: command not found", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseSCUtilShow(tt.out)
			if ok != tt.ok || (got == ours) != tt.isOurs {
				t.Errorf("parseSCUtilShow = %q, %v", got, ok)
			}
		})
	}
}

// scutilScript answers "show KEY" with whatever the test set last, and
// fails while err is set.
type scutilScript struct {
	mu   sync.Mutex
	out  string
	err  error
	asks []string
}

func (s *scutilScript) set(out string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.out, s.err = out, err
}

func (s *scutilScript) Run(argv []string, stdin string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asks = append(s.asks, strings.Join(argv, " ")+" <<< "+stdin)
	return []byte(s.out), s.err
}

// TestDarwinDNSWatch: the DNS watch, reading through scutilProbe,
// reports each new content that is not cvpn's once, and nothing once
// cvpn's dictionary is back.
func TestDarwinDNSWatch(t *testing.T) {
	before := runtime.NumGoroutine()
	rec := darwinDNSTestRecord()
	run := &scutilScript{out: ourSCUtilShow}
	p, ok := scutilProbe(run, rec)
	if !ok {
		t.Fatal("no probe for the scutil record")
	}
	tick := make(chan time.Time)
	checked := make(chan struct{})
	var changes []Change
	w := watchDNSWith(p, tick, func() {}, func(c Change) { changes = append(changes, c) }, func() { checked <- struct{}{} })
	poll := func(out string, err error) {
		run.set(out, err)
		tick <- time.Time{}
		<-checked
	}
	other := strings.Replace(ourSCUtilShow, "10.20.0.53", "192.0.2.53", 1)
	steps := []struct {
		out     string
		err     error
		reports int
	}{
		{ourSCUtilShow, nil, 0},
		{strings.ReplaceAll(ourSCUtilShow, "  ", "\t"), nil, 0}, // laid out otherwise, still cvpn's
		{other, nil, 1},
		{other, nil, 1},                      // already reported
		{"  No such key\n", nil, 2},          // removed
		{ourSCUtilShow, nil, 2},              // cvpn's again
		{other, nil, 3},                      // replaced again
		{"", errors.New("exit status 1"), 4}, // scutil failing is reported too, as a read error is on Linux
	}
	for i, s := range steps {
		poll(s.out, s.err)
		if len(changes) != s.reports {
			t.Fatalf("step %d: %d reports, want %d: %v", i, len(changes), s.reports, changes)
		}
	}
	w.Stop()
	for _, c := range changes {
		if c.Kind != DNSChanged || c.String() != "State:/Network/Service/cvpn-utun4/DNS was changed" {
			t.Errorf("change %v", c)
		}
	}
	if want := "/usr/sbin/scutil <<< show State:/Network/Service/cvpn-utun4/DNS\nquit\n"; run.asks[0] != want {
		t.Errorf("asked %q, want %q", run.asks[0], want)
	}
	noGoroutineLeak(t, before)
}

// TestSCUtilProbeNothingToWatch: a record of another layer, or one whose
// script sets no DNS dictionary, is not probed.
func TestSCUtilProbeNothingToWatch(t *testing.T) {
	for _, rec := range []*AppliedDNS{nil, {Mode: modeResolvConf, Path: "/etc/resolv.conf"},
		{Mode: darwinSCUtilMode, Link: "cvpn-utun4", Written: []byte("d.init\nquit\n")}} {
		if _, ok := scutilProbe(&scutilScript{}, rec); ok {
			t.Errorf("%+v: probed", rec)
		}
	}
}

// TestRestoreSCUtil: the script Apply ran runs again, whole.
func TestRestoreSCUtil(t *testing.T) {
	rec := darwinDNSTestRecord()
	r := &darwinRecorder{}
	if err := restoreSCUtil(r, rec, r.logf); err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/sbin/scutil <<EOF\n" + string(rec.Written) + "EOF", "# published dns service cvpn-utun4 again"}
	if strings.Join(r.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls %q, want %q", r.calls, want)
	}
	r = &darwinRecorder{failOn: "scutil"}
	if err := restoreSCUtil(r, rec, r.logf); err == nil || !strings.Contains(err.Error(), "restore dns") {
		t.Errorf("err = %v", err)
	}
	if err := restoreSCUtil(r, &AppliedDNS{Mode: darwinSCUtilMode, Link: "cvpn-utun4"}, r.logf); err == nil {
		t.Error("restored from a record without its script")
	}
}
