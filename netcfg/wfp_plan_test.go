package netcfg

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"syscall"
	"testing"
)

// wfpRecorder stands in for a dynamic session with the Base Filtering
// Engine.
type wfpRecorder struct {
	r    *winRecorder
	name string
}

func (r *winRecorder) OpenWFP(name string) (wfpSession, error) {
	r.always("FwpmEngineOpen0 session %q flags=FWPM_SESSION_FLAG_DYNAMIC", name)
	return &wfpRecorder{r: r, name: name}, nil
}

func (w *wfpRecorder) Begin() error { w.r.always("FwpmTransactionBegin0"); return nil }

func (w *wfpRecorder) AddSublayer(s wfpSublayer) error {
	if w.r.sublayerTaken {
		w.r.always("FwpmSubLayerAdd0 %s %q weight %#x -> exists", s.Key, s.Name, s.Weight)
		return fmt.Errorf("%w: sublayer", errWinExists)
	}
	w.r.always("FwpmSubLayerAdd0 %s %q weight %#x", s.Key, s.Name, s.Weight)
	return nil
}

func (w *wfpRecorder) AddFilter(f wfpFilter) error {
	if w.r.fail != "" && strings.Contains(f.String(), w.r.fail) {
		w.r.always("FwpmFilterAdd0 %s -> fails", f)
		return syscall.EINVAL
	}
	w.r.call("FwpmFilterAdd0 %s", f)
	return nil
}

func (w *wfpRecorder) Commit() error { w.r.always("FwpmTransactionCommit0"); return nil }
func (w *wfpRecorder) Abort() error  { w.r.always("FwpmTransactionAbort0"); return nil }
func (w *wfpRecorder) Close() error  { w.r.always("FwpmEngineClose0 %q", w.name); return nil }

func wfpTestView(r *winRecorder) winView {
	return winView{TunIndex: 10, TunName: "cvpn0", TunLUID: testTunLUID, BestRoute: r.bestRoute, Interfaces: r.interfaces}
}

// TestWindowsSplitNoWFP: a split tunnel without block-outside-dns opens
// no filter session and does not even list the interfaces.
func TestWindowsSplitNoWFP(t *testing.T) {
	r := &winRecorder{}
	cfg := Config{Interface: "cvpn0", Addresses: []netip.Prefix{pfx("10.8.0.2/24")},
		Routes: []Route{{Dst: pfx("10.20.0.0/16")}, {Dst: pfx("0.0.0.0/1")}}, Bypass: []netip.Addr{addr("198.51.100.1")}}
	plan, err := planWindows(cfg, wfpTestView(r), r.logf)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range plan {
		if op.Kind == winWFP {
			t.Errorf("split tunnel plans %v", op)
		}
	}
	for _, c := range r.calls {
		if c == "GetAdaptersAddresses" {
			t.Error("split tunnel listed the interfaces")
		}
	}
}

// TestWFPFamilies: which families a route set blocks outside the tunnel.
func TestWFPFamilies(t *testing.T) {
	in := func(s ...string) []Route {
		var out []Route
		for _, p := range s {
			out = append(out, Route{Dst: pfx(p)})
		}
		return out
	}
	unreach := func(s ...string) []Route {
		var out []Route
		for _, p := range s {
			out = append(out, Route{Dst: pfx(p), Unreachable: true})
		}
		return out
	}
	tests := []struct {
		name   string
		routes []Route
		v4, v6 bool
	}{
		{"split", in("10.0.0.0/8", "172.16.0.0/12"), false, false},
		{"def1", in("0.0.0.0/1", "128.0.0.0/1"), true, false},
		{"default route", in("0.0.0.0/0"), true, false},
		{"half only", in("0.0.0.0/1"), false, false},
		{"def1 net_gateway", []Route{{Dst: pfx("0.0.0.0/1"), NetGateway: true}, {Dst: pfx("128.0.0.0/1"), NetGateway: true}}, false, false},
		{"ipv6 halves", in("::/1", "8000::/1"), false, true},
		{"ipv6 default", in("::/0"), false, true},
		{"block-ipv6 set", unreach("::/3", "2000::/4", "3000::/4", "fc00::/7"), false, true},
		{"one unreachable prefix", unreach("2001:db8::/32"), false, false},
		{"both", append(in("0.0.0.0/1", "128.0.0.0/1"), unreach("2000::/3")...), true, true},
	}
	for _, tt := range tests {
		v4, v6 := wfpFamilies(Config{Routes: tt.routes})
		if v4 != tt.v4 || v6 != tt.v6 {
			t.Errorf("%s: families v4=%v v6=%v, want %v %v", tt.name, v4, v6, tt.v4, tt.v6)
		}
	}
}

// TestWFPWeights: in every plan, the tunnel's permit outweighs every
// block, every permit but the local networks' outweighs the DNS block,
// and the leak block weighs least.
func TestWFPWeights(t *testing.T) {
	cfg := Config{Interface: "cvpn0", BlockOutsideDNS: true, Bypass: []netip.Addr{addr("198.51.100.1")},
		Routes: []Route{{Dst: pfx("0.0.0.0/1")}, {Dst: pfx("128.0.0.0/1")}, {Dst: pfx("::/1")}, {Dst: pfx("8000::/1")}}}
	r := &winRecorder{}
	filters := planWFP(cfg, wfpTestView(r), []netip.Prefix{pfx("198.51.100.1/32")}, []netip.Prefix{pfx("192.0.2.0/24")})
	weight := map[string]uint8{}
	for _, f := range filters {
		what := f.Name[strings.Index(f.Name, ": ")+2:]
		if w, ok := weight[what]; ok && w != f.Weight {
			t.Errorf("%q has weights %d and %d", what, w, f.Weight)
		}
		weight[what] = f.Weight
	}
	for what, w := range weight {
		switch {
		case what == "block everything else" && w != 0:
			t.Errorf("leak block weighs %d", w)
		case what == "permit the tunnel" && w <= weight["block dns outside the tunnel"]:
			t.Errorf("tunnel permit (%d) does not beat the dns block", w)
		case what == "permit local networks" && w >= weight["block dns outside the tunnel"]:
			t.Errorf("local networks (%d) beat the dns block", w)
		case strings.HasPrefix(what, "permit") && w <= weight["block everything else"]:
			t.Errorf("%q (%d) does not beat the leak block", what, w)
		}
	}
	if len(weight) != 9 {
		t.Errorf("got %d kinds of filter, want 9: %v", len(weight), weight)
	}
}

// TestWFPSharedSublayer: a second tunnel finds cvpn's sublayer there and
// adds its filters to it; Revert closes only its own session.
func TestWFPSharedSublayer(t *testing.T) {
	r := &winRecorder{sublayerTaken: true}
	cfg := Config{Interface: "cvpn0", BlockOutsideDNS: true}
	v := wfpTestView(r)
	plan, err := planWindows(cfg, v, r.logf)
	if err != nil {
		t.Fatal(err)
	}
	a, err := runWindows(r, cfg, v, plan, r.logf)
	if err != nil {
		t.Fatal(err)
	}
	if err := revertWindows(r, a, r.logf); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(r.calls, "\n")
	for _, want := range []string{"-> exists", "sharing it", `FwpmEngineClose0 "cvpn cvpn0"`} {
		if !strings.Contains(got, want) {
			t.Errorf("calls lack %q:\n%s", want, got)
		}
	}
	if err := closeWFP("cvpn0", r.logf); err != nil || strings.Count(strings.Join(r.calls, "\n"), "FwpmEngineClose0") != 1 {
		t.Errorf("a second close closed again (err %v)", err)
	}
}

// TestWFPOpenFails: an engine that cannot be opened fails Apply with the
// cause and leaves nothing behind.
func TestWFPOpenFails(t *testing.T) {
	r := &winRecorder{}
	cfg := Config{Interface: "cvpn0", BlockOutsideDNS: true, Addresses: []netip.Prefix{pfx("10.8.0.2/24")}}
	v := wfpTestView(r)
	plan, err := planWindows(cfg, v, r.logf)
	if err != nil {
		t.Fatal(err)
	}
	_, err = runWindows(noEngine{r}, cfg, v, plan, r.logf)
	if err == nil || !strings.Contains(err.Error(), "BFE") {
		t.Fatalf("err = %v, want the BFE hint", err)
	}
	if !strings.Contains(strings.Join(r.calls, "\n"), "DeleteUnicastIpAddressEntry cvpn0 10.8.0.2/24") {
		t.Errorf("address not undone:\n%s", strings.Join(r.calls, "\n"))
	}
}

type noEngine struct{ *winRecorder }

func (noEngine) OpenWFP(string) (wfpSession, error) {
	return nil, fmt.Errorf("FwpmEngineOpen0: %w (%s)", errors.New("endpoint mapper has no endpoints"), wfpHint(1753))
}

func TestWFPHint(t *testing.T) {
	for code, want := range map[uint32]string{1753: "BFE", 1722: "BFE", 5: "LocalSystem", 0x80320012: "try again", 87: ""} {
		if got := wfpHint(code); want == "" && got != "" || !strings.Contains(got, want) {
			t.Errorf("wfpHint(%d) = %q, want it to mention %q", code, got, want)
		}
	}
}
