package openvpn

import (
	"context"
	"net/netip"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cvpn/cvpn/profile"
)

// fakeLookup answers every name with addrs and counts the lookups.
type fakeLookup struct {
	addrs []netip.Addr
	err   error
	calls atomic.Int32
	nets  []string
}

func (f *fakeLookup) lookup(_ context.Context, network, host string) ([]netip.Addr, error) {
	f.calls.Add(1)
	f.nets = append(f.nets, network)
	return f.addrs, f.err
}

func TestResolveAll(t *testing.T) {
	a := netip.MustParseAddr
	v4, v4b, v6, mapped := a("192.0.2.1"), a("192.0.2.2"), a("2001:db8::1"), a("::ffff:192.0.2.1")
	tests := []struct {
		name    string
		host    string
		fam     profile.Family
		addrs   []netip.Addr
		want    []string
		wantNet string
		wantErr string
	}{
		{"every address in order", "vpn.example", profile.FamilyAny, []netip.Addr{v6, v4, v4b}, []string{"[2001:db8::1]:443", "192.0.2.1:443", "192.0.2.2:443"}, "ip", ""},
		{"duplicates and mapped forms once", "vpn.example", profile.FamilyAny, []netip.Addr{v4, mapped, v4b, v4}, []string{"192.0.2.1:443", "192.0.2.2:443"}, "ip", ""},
		{"udp4 keeps IPv4 only", "vpn.example", profile.FamilyIPv4, []netip.Addr{v6, v4}, []string{"192.0.2.1:443"}, "ip4", ""},
		{"udp6 keeps IPv6 only", "vpn.example", profile.FamilyIPv6, []netip.Addr{v4, v6}, []string{"[2001:db8::1]:443"}, "ip6", ""},
		{"nothing of the family", "vpn.example", profile.FamilyIPv6, []netip.Addr{v4}, nil, "ip6", "no ip6 address"},
		{"a literal is not looked up", "198.51.100.7", profile.FamilyAny, nil, []string{"198.51.100.7:443"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := &fakeLookup{addrs: tt.addrs}
			s := &Session{opts: Options{lookup: fl.lookup}}
			got, err := s.resolveAll(t.Context(), tt.host, 443, tt.fam)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var gs []string
			for _, g := range got {
				gs = append(gs, g.String())
			}
			if !reflect.DeepEqual(gs, tt.want) {
				t.Errorf("addresses %v, want %v", gs, tt.want)
			}
			if tt.wantNet == "" && fl.calls.Load() != 0 || tt.wantNet != "" && (len(fl.nets) != 1 || fl.nets[0] != tt.wantNet) {
				t.Errorf("lookups %v, want one for %q", fl.nets, tt.wantNet)
			}
		})
	}
}

// TestSessionTriesEveryAddress: a name that resolves to a dead address
// and then the server's is resolved once, and the session connects at the
// second address instead of giving up on the remote.
func TestSessionTriesEveryAddress(t *testing.T) {
	f := newFakeServer(t, func(int) string { return testPush })
	prof := testProfile(t, f.port())
	prof.Remotes[0].Host = "vpn.test"
	prof.Remotes[0].ConnectTimeout = time.Second
	// 127.0.0.2 is local but nothing listens there: the datagram is
	// refused or unanswered, either way no server speaks.
	fl := &fakeLookup{addrs: []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.1")}}
	var logs logLines
	s, err := Dial(t.Context(), prof, newPipeDevice(), Options{lookup: fl.lookup, Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	if info := s.Stats().Connection; info == nil || info.Remote.Addr() != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("connected to %+v", info)
	}
	if n := fl.calls.Load(); n != 1 {
		t.Errorf("%d lookups, want 1", n)
	}
	logs.waitAny(t, "127.0.0.2:"+itoa(f.port())+" did not answer")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
	var tried []netip.Addr
	for _, ev := range r.events {
		if sc, ok := ev.(*StateChange); ok && sc.To == StateConnecting {
			tried = append(tried, sc.Remote.Addr())
		}
	}
	want := []netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.1")}
	if !reflect.DeepEqual(tried, want) {
		t.Errorf("connecting to %v, want %v", tried, want)
	}
	if n := s.Stats().Reconnects; n != 0 {
		t.Errorf("%d reconnects; the second address belongs to the same attempt", n)
	}
}
