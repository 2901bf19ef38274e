package netcfg

import (
	"errors"
	"net/netip"
	"strings"
	"syscall"
	"testing"
)

// TestDarwinBlockLocalNothingToBlock: block-local says why it blocks
// nothing, and the plan goes on without it.
func TestDarwinBlockLocalNothingToBlock(t *testing.T) {
	tests := []struct {
		name string
		def  darwinPath
		want string
	}{
		{"no default route", darwinPath{Err: syscall.ENETUNREACH}, "there is no IPv4 default route"},
		{"default route into the tunnel", darwinPath{Iface: "utun4", Gateway: addr("10.8.0.1")}, "there is no IPv4 default route outside the tunnel"},
		{"default route on loopback", darwinPath{Iface: "lo0", Local: true}, "there is no IPv4 default route outside the tunnel"},
		{"only host addresses", darwinPath{Iface: "en1", Gateway: addr("198.18.0.1")}, "interface en1 has no IPv4 subnet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Interface: "utun4", Addresses: []netip.Prefix{pfx("10.8.0.2/24")}, BlockLocal: true,
				Routes: []Route{{Dst: pfx("0.0.0.0/1"), Gateway: addr("10.8.0.1")}}}
			listed := false
			v, err := newDarwinView(cfg, func(netip.Addr) darwinPath { return tt.def }, func(iface string) ([]netip.Prefix, error) {
				listed = true
				return []netip.Prefix{pfx("198.18.0.9/32"), pfx("fd00::9/64")}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if listed != (tt.def.Iface == "en1") {
				t.Errorf("listed addresses: %v", listed)
			}
			ops, err := planDarwinApply(cfg, v)
			if err != nil {
				t.Fatal(err)
			}
			var notes, adds []string
			for _, op := range ops {
				switch op.Kind {
				case darwinNote:
					notes = append(notes, op.Log)
				case darwinRouteAdd:
					adds = append(adds, op.Route.Dst.String())
				}
			}
			if want := "block-local: local networks stay reachable: " + tt.want; len(notes) != 1 || notes[0] != want {
				t.Errorf("notes %q, want %q", notes, want)
			}
			if strings.Join(adds, " ") != "10.8.0.0/24 0.0.0.0/1" {
				t.Errorf("routes added %q", adds)
			}
		})
	}
}

// TestDarwinBlockLocalAddrsFail: not knowing the local subnets stops
// Apply, as it does on Linux, rather than leaving them reachable.
func TestDarwinBlockLocalAddrsFail(t *testing.T) {
	cfg := Config{Interface: "utun4", BlockLocal: true}
	_, err := newDarwinView(cfg, fakeDarwinPath, func(string) ([]netip.Prefix, error) { return nil, syscall.EPERM })
	if !errors.Is(err, syscall.EPERM) || !strings.Contains(err.Error(), "list addresses of en0") {
		t.Errorf("err = %v", err)
	}
}

func TestDarwinUpperHalf(t *testing.T) {
	for in, want := range map[string]string{"192.0.2.0/24": "192.0.2.128", "100.64.8.0/22": "100.64.10.0",
		"10.0.0.0/8": "10.128.0.0", "0.0.0.0/0": "128.0.0.0", "192.0.2.8/31": "192.0.2.9"} {
		if got := darwinUpperHalf(pfx(in)); got != addr(want) {
			t.Errorf("darwinUpperHalf(%s) = %v, want %s", in, got, want)
		}
	}
}
