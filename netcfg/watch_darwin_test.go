//go:build darwin

package netcfg

// These tests need a Mac: they have never run (this project's machines
// are Linux, where only GOOS=darwin go vet compiles them).

import (
	"encoding/binary"
	"runtime"
	"slices"
	"testing"

	"golang.org/x/net/route"
	"golang.org/x/sys/unix"
)

// TestDarwinMsgOf: messages marshalled by package route, as the kernel
// sends them, come out of ParseRIB as the matcher expects.
func TestDarwinMsgOf(t *testing.T) {
	in4 := func(s string) route.Addr { return &route.Inet4Addr{IP: addr(s).As4()} }
	in6 := func(s string) route.Addr { return &route.Inet6Addr{IP: addr(s).As16()} }
	ll := addr("fe80::1").As16()
	ll[3] = 4 // the scope, embedded as the kernel does
	tests := []struct {
		name  string
		m     route.RouteMessage
		errno unix.Errno
		want  darwinRouteMsg
	}{
		{name: "default route", m: route.RouteMessage{Type: unix.RTM_ADD, Flags: unix.RTF_UP | unix.RTF_GATEWAY, Index: 4,
			Addrs: []route.Addr{in4("0.0.0.0"), in4("192.0.2.254"), in4("0.0.0.0")}},
			want: darwinRouteMsg{Type: darwinRTMAdd, Flags: darwinRTFUp | darwinRTFGateway, Index: 4, Dst: pfx("0.0.0.0/0"), Gateway: addr("192.0.2.254")}},
		{name: "def1 half", m: route.RouteMessage{Type: unix.RTM_DELETE, Flags: unix.RTF_UP | unix.RTF_GATEWAY,
			Addrs: []route.Addr{in4("128.0.0.0"), in4("10.8.0.1"), in4("128.0.0.0")}},
			want: darwinRouteMsg{Type: darwinRTMDelete, Flags: darwinRTFUp | darwinRTFGateway, Dst: pfx("128.0.0.0/1"), Gateway: addr("10.8.0.1")}},
		{name: "host route, no mask", m: route.RouteMessage{Type: unix.RTM_ADD, Flags: unix.RTF_UP | unix.RTF_GATEWAY | unix.RTF_HOST,
			Addrs: []route.Addr{in4("198.51.100.7"), in4("192.0.2.254")}},
			want: darwinRouteMsg{Type: darwinRTMAdd, Flags: darwinRTFUp | darwinRTFGateway | darwinRTFHost, Dst: pfx("198.51.100.7/32"), Gateway: addr("192.0.2.254")}},
		{name: "interface route", m: route.RouteMessage{Type: unix.RTM_CHANGE, Flags: unix.RTF_UP,
			Addrs: []route.Addr{in4("10.8.0.0"), &route.LinkAddr{Index: 10, Name: "utun4"}, in4("255.255.255.0")}},
			want: darwinRouteMsg{Type: darwinRTMChange, Flags: darwinRTFUp, Dst: pfx("10.8.0.0/24"), GatewayLink: 10}},
		{name: "link-local gateway", m: route.RouteMessage{Type: unix.RTM_ADD, Flags: unix.RTF_UP | unix.RTF_GATEWAY, Index: 4,
			Addrs: []route.Addr{in6("2001:db8:5::"), &route.Inet6Addr{IP: ll}, in6("ffff:ffff:ffff::")}},
			want: darwinRouteMsg{Type: darwinRTMAdd, Flags: darwinRTFUp | darwinRTFGateway, Index: 4, Dst: pfx("2001:db8:5::/48"), Gateway: addr("fe80::1")}},
		{name: "refused", m: route.RouteMessage{Type: unix.RTM_ADD, Flags: unix.RTF_UP | unix.RTF_GATEWAY,
			Addrs: []route.Addr{in4("10.20.0.0"), in4("192.0.2.1"), in4("255.255.0.0")}}, errno: unix.EEXIST,
			want: darwinRouteMsg{Type: darwinRTMAdd, Flags: darwinRTFUp | darwinRTFGateway, Errno: unix.EEXIST, Dst: pfx("10.20.0.0/16"), Gateway: addr("192.0.2.1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.m.Version = unix.RTM_VERSION
			b, err := tt.m.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			binary.NativeEndian.PutUint32(b[darwinRTMErrnoOff:], uint32(tt.errno))
			binary.NativeEndian.PutUint32(b[darwinRTMErrnoOff+4:], 7) // rtm_use, which route reads as Err
			msgs, err := parseDarwinRouteMsgs(slices.Concat(b, b))
			if err != nil || len(msgs) != 2 || msgs[0] != msgs[1] {
				t.Fatalf("parseDarwinRouteMsgs = %+v, %v", msgs, err)
			}
			if got := msgs[0]; got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestWatchRoutesStops: Stop closes the real routing socket and ends the
// goroutine blocked reading it.
func TestWatchRoutesStops(t *testing.T) {
	before := runtime.NumGoroutine()
	w, err := WatchRoutes(&Applied{}, func(c Change) { t.Errorf("change %v", c) }, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	w.Stop()
	w.Stop()
	noGoroutineLeak(t, before)
}
