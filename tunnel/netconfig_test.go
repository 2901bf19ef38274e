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

// blocked6 is how the IPv6 block renders.
const blocked6 = "unreachable ::/3 unreachable 2000::/4 unreachable 3000::/4 unreachable fc00::/7"

func TestNetConfig(t *testing.T) {
	server := openvpn.Link{Remote: netip.MustParseAddrPort("203.0.113.7:1194"), Proto: profile.ProtoUDP}
	tests := []struct {
		name   string
		push   string
		prof   profile.Profile
		link   openvpn.Link // server by default
		want   string       // rendered netcfg.Config
		warned string       // substring of a warning, if any
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
			name: "redirect-gateway def1 bypasses the server and without IPv6 blocks it",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,redirect-gateway def1,tun-mtu 1400",
			want: "mtu 1400 addr [10.8.0.2/24] peer invalid IP routes [0.0.0.0/1 via 10.8.0.1 128.0.0.0/1 via 10.8.0.1 " +
				blocked6 + "] bypass [203.0.113.7]",
			warned: "IPv6 is blocked while connected (all IPv4 goes through the tunnel and the server gave no IPv6)",
		},
		{
			name: "redirect-gateway def1 with IPv6 from the server does not block it",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,ifconfig-ipv6 fd00::2/64 fd00::1,redirect-gateway def1",
			want: "mtu 1500 addr [10.8.0.2/24 fd00::2/64] peer invalid IP routes [0.0.0.0/1 via 10.8.0.1 128.0.0.0/1 via 10.8.0.1] bypass [203.0.113.7]",
		},
		{
			name: "redirect-gateway def1 ipv6 with IPv6 from the server routes it",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,ifconfig-ipv6 fd00::2/64 fd00::1,redirect-gateway def1 ipv6",
			want: "mtu 1500 addr [10.8.0.2/24 fd00::2/64] peer invalid IP routes [0.0.0.0/1 via 10.8.0.1 128.0.0.0/1 via 10.8.0.1 " +
				"::/3 via fd00::1 2000::/4 via fd00::1 3000::/4 via fd00::1 fc00::/7 via fd00::1] bypass [203.0.113.7]",
		},
		{
			name: "redirect-gateway from the profile without IPv6 blocks it",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0",
			prof: profile.Profile{Routing: profile.Routing{RedirectGateway: profile.RedirectGateway{IPv4: true, Def1: true}}},
			want: "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [0.0.0.0/1 via 10.8.0.1 128.0.0.0/1 via 10.8.0.1 " +
				blocked6 + "] bypass [203.0.113.7]",
			warned: "IPv6 is blocked",
		},
		{
			name: "redirect-private does not block IPv6",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0",
			prof: profile.Profile{Routing: profile.Routing{RedirectGateway: profile.RedirectGateway{IPv4: true, Private: true}}},
			want: "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [] bypass []",
		},
		{
			name:   "block-ipv6 pushed on a split tunnel",
			push:   "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,route 172.16.1.0 255.255.255.0,block-ipv6",
			want:   "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [172.16.1.0/24 via 10.8.0.1 " + blocked6 + "] bypass []",
			warned: "IPv6 is blocked while connected (the server pushed block-ipv6)",
		},
		{
			// OpenVPN's block-ipv6 refuses IPv6 that reaches the tunnel,
			// even when the server gives IPv6: nothing IPv6 goes in.
			name: "block-ipv6 pushed with IPv6 from the server",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,ifconfig-ipv6 fd00::2/64 fd00::1," +
				"route-ipv6 2001:db8:7::/48,redirect-gateway def1 ipv6,block-ipv6",
			want: "mtu 1500 addr [10.8.0.2/24 fd00::2/64] peer invalid IP routes [0.0.0.0/1 via 10.8.0.1 128.0.0.0/1 via 10.8.0.1 " +
				blocked6 + "] bypass [203.0.113.7]",
			warned: "IPv6 routes [2001:db8:7::/48] not installed",
		},
		{
			name:   "block-ipv6 in the profile",
			push:   "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0",
			prof:   profile.Profile{Routing: profile.Routing{BlockIPv6: true}},
			want:   "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [" + blocked6 + "] bypass []",
			warned: "IPv6 is blocked while connected (the profile says block-ipv6)",
		},
		{
			name:   "block-ipv6 keeps a server reached over IPv6 outside",
			push:   "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,block-ipv6",
			link:   openvpn.Link{Remote: netip.MustParseAddrPort("[2001:db8::7]:1194"), Proto: profile.ProtoUDP},
			want:   "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [" + blocked6 + "] bypass [2001:db8::7]",
			warned: "IPv6 is blocked",
		},
		{
			name: "net_gateway pushed, with route-metric",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,route-metric 50," +
				"route 192.168.77.0 255.255.255.0 net_gateway,route 10.0.0.0 255.0.0.0 net_gateway 7",
			want: "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [192.168.77.0/24 via net_gateway metric 50 10.0.0.0/8 via net_gateway metric 7] bypass []",
		},
		{
			name: "net_gateway in the profile, remote_host still left out",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0",
			prof: profile.Profile{Routing: profile.Routing{Routes: []profile.Route{
				{Network: "192.168.1.0", Netmask: netip.MustParseAddr("255.255.255.0"), Gateway: "net_gateway", Metric: -1, Line: 3},
				{Network: "192.168.2.7", Gateway: "net_gateway", Metric: 9, Line: 4},
				{Network: "192.168.3.0", Netmask: netip.MustParseAddr("255.255.255.0"), Gateway: "remote_host", Metric: -1, Line: 5},
			}}},
			want:   "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [192.168.1.0/24 via net_gateway 192.168.2.7/32 via net_gateway metric 9] bypass []",
			warned: "route 192.168.3.0 via remote_host (line 5) not installed",
		},
		{
			// An exclusion from a full tunnel is kept when IPv6 is blocked.
			name: "net_gateway with redirect-gateway and IPv6 blocked",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,redirect-gateway def1,route 198.18.9.0 255.255.255.0 net_gateway",
			want: "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [198.18.9.0/24 via net_gateway 0.0.0.0/1 via 10.8.0.1 128.0.0.0/1 via 10.8.0.1 " +
				blocked6 + "] bypass [203.0.113.7]",
			warned: "IPv6 is blocked",
		},
		{
			name: "ipv6 address and redirect",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,ifconfig-ipv6 fd00::2/64 fd00::1,redirect-gateway ipv6 !ipv4",
			want: "mtu 1500 addr [10.8.0.2/24 fd00::2/64] peer invalid IP routes [::/3 via fd00::1 2000::/4 via fd00::1 3000::/4 via fd00::1 fc00::/7 via fd00::1] bypass [203.0.113.7]",
		},
		{
			name: "profile routes and a pushed net_gateway route",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,route 1.2.3.4 255.255.255.255 net_gateway",
			prof: profile.Profile{Routing: profile.Routing{Routes: []profile.Route{
				{Network: "10.20.0.0", Netmask: netip.MustParseAddr("255.255.0.0"), Metric: -1},
			}}},
			want: "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [1.2.3.4/32 via net_gateway 10.20.0.0/16 via 10.8.0.1] bypass []",
		},
		{
			name: "redirect-gateway flags block-local and bypass-dhcp pass through",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,ifconfig-ipv6 fd00::2/64 fd00::1,redirect-gateway def1 block-local bypass-dhcp,block-outside-dns",
			want: "mtu 1500 addr [10.8.0.2/24 fd00::2/64] peer invalid IP routes [0.0.0.0/1 via 10.8.0.1 128.0.0.0/1 via 10.8.0.1] bypass [203.0.113.7] block-local bypass-dhcp block-outside-dns",
		},
		{
			name: "block-local from the profile's redirect-private",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0",
			prof: profile.Profile{Routing: profile.Routing{RedirectGateway: profile.RedirectGateway{Private: true, BlockLocal: true}}},
			want: "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [] bypass [] block-local",
		},
		{
			name: "block-local with the server declared local does nothing",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0,ifconfig-ipv6 fd00::2/64 fd00::1,redirect-gateway def1 local block-local",
			want: "mtu 1500 addr [10.8.0.2/24 fd00::2/64] peer invalid IP routes [0.0.0.0/1 via 10.8.0.1 128.0.0.0/1 via 10.8.0.1] bypass []",
		},
		{
			name: "block-local without redirect-gateway does nothing",
			push: "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0",
			prof: profile.Profile{Routing: profile.Routing{RedirectGateway: profile.RedirectGateway{BlockLocal: true}}},
			want: "mtu 1500 addr [10.8.0.2/24] peer invalid IP routes [] bypass []",
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
			link := server
			if tt.link.Remote.IsValid() {
				link = tt.link
			}
			cfg, warns, err := NetConfig("tun0", 1500, opts, &tt.prof, link)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("mtu %d addr %v peer %v routes %v bypass %v", cfg.MTU, cfg.Addresses, cfg.PeerV4, cfg.Routes, cfg.Bypass)
			for _, f := range []struct {
				on   bool
				name string
			}{{cfg.BlockLocal, "block-local"}, {cfg.BypassDHCP, "bypass-dhcp"}, {cfg.BlockOutsideDNS, "block-outside-dns"}} {
				if f.on {
					got += " " + f.name
				}
			}
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
