package tunnel

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

func TestNetConfig(t *testing.T) {
	server := openvpn.Link{Remote: netip.MustParseAddrPort("203.0.113.7:1194"), Proto: profile.ProtoUDP}
	tests := []struct {
		name   string
		push   string
		prof   profile.Profile
		want   string // rendered netcfg.Config
		warned string // substring of a warning, if any
	}{
		{
			name: "subnet with routes",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,route 172.16.1.0 255.255.255.0,route 192.168.5.0 255.255.255.0 10.8.0.9 7",
			want: "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [172.16.1.0/24 via 10.8.0.1 192.168.5.0/24 via 10.8.0.9 metric 7] bypass []",
		},
		{
			name: "net30 uses the peer as gateway",
			push: "PUSH_REPLY,ifconfig 10.8.0.6 10.8.0.5,route 10.8.0.1",
			want: "mtu 1500 addr [10.8.0.6/30] peer 10.8.0.5 routes [10.8.0.1/32 via 10.8.0.5] bypass []",
		},
		{
			name: "redirect-gateway def1 bypasses the server",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,redirect-gateway def1,tun-mtu 1400",
			want: "mtu 1400 addr [10.8.0.2/24] peer invalid IP routes [0.0.0.0/1 via 10.8.0.1 128.0.0.0/1 via 10.8.0.1] bypass [203.0.113.7]",
		},
		{
			name: "ipv6 address and redirect",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,ifconfig-ipv6 fd00::2/64 fd00::1,redirect-gateway ipv6 !ipv4",
			want: "mtu 1500 addr [10.8.0.2/24 fd00::2/64] peer invalid IP routes [::/3 via fd00::1 2000::/4 via fd00::1 3000::/4 via fd00::1 fc00::/7 via fd00::1] bypass [203.0.113.7]",
		},
		{
			name: "profile routes and net_gateway warning",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,route 1.2.3.4 255.255.255.255 net_gateway",
			prof: profile.Profile{Routing: profile.Routing{Routes: []profile.Route{
				{Network: "10.20.0.0", Netmask: netip.MustParseAddr("255.255.0.0"), Metric: -1},
			}}},
			want:   "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [10.20.0.0/16 via 10.8.0.1] bypass []",
			warned: "net_gateway",
		},
		{
			name: "route-noexec",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,route 172.16.1.0 255.255.255.0",
			prof: profile.Profile{Routing: profile.Routing{NoExec: true}},
			want: "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [] bypass []", warned: "route-noexec",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := push.ParseMessage(tt.push).(*push.PushReply)
			opts, err := push.ParseOptions(msg.Options...)
			if err != nil {
				t.Fatal(err)
			}
			cfg, warns, err := NetConfig("tun0", 1500, opts, &tt.prof, server)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("mtu %d addr %v peer %v routes %v bypass %v", cfg.MTU, cfg.Addresses, cfg.PeerV4, cfg.Routes, cfg.Bypass)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if tt.warned != "" && !strings.Contains(strings.Join(warns, "\n"), tt.warned) {
				t.Errorf("warnings %q lack %q", warns, tt.warned)
			}
			if tt.warned == "" && len(warns) > 0 {
				t.Errorf("unexpected warnings %q", warns)
			}
		})
	}
}
