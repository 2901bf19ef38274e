package push

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseOptionsTable(t *testing.T) {
	routes := func(o *Options) any { return o.Routes }
	routes6 := func(o *Options) any { return o.Routes6 }
	tests := []struct {
		name  string
		items []string
		get   func(*Options) any
		want  any
	}{
		{"subnet ifconfig", []string{"ifconfig 10.8.0.2 255.255.255.0", "topology subnet"},
			func(o *Options) any { return o.IPv4 }, Interface{Address: pfx("10.8.0.2/24")}},
		{"p2p ifconfig", []string{"topology p2p", "ifconfig 10.8.0.2 10.8.0.1"},
			func(o *Options) any { return []any{o.IPv4, o.Gateway4} }, []any{Interface{pfx("10.8.0.2/32"), ip("10.8.0.1")}, ip("10.8.0.1")}},
		{"default topology is net30", []string{"ifconfig 10.8.0.6 10.8.0.5"},
			func(o *Options) any { return []any{o.Topology, o.IPv4, o.Gateway4} }, []any{TopologyNet30, Interface{pfx("10.8.0.6/30"), ip("10.8.0.5")}, ip("10.8.0.5")}},
		{"route-gateway beats the p2p peer", []string{"topology p2p", "ifconfig 10.8.0.2 10.8.0.1", "route-gateway 10.8.0.9"},
			func(o *Options) any { return o.Gateway4 }, ip("10.8.0.9")},
		{"route forms", []string{"route-gateway 10.8.0.1", "route 192.168.1.0 255.255.255.0", "route 192.168.2.7",
			"route 10.0.0.0 255.0.0.0 10.8.0.99 7", "route 172.16.0.0 255.240.0.0 net_gateway", "route 1.2.3.0 255.255.255.0 vpn_gateway",
			"route vpn_gateway", "route 5.5.5.0 default default 9", "route 6.6.0.0 255.255.0.0 default default"}, routes, []Route{
			{Prefix: pfx("192.168.1.0/24"), Gateway: ip("10.8.0.1")},
			{Prefix: pfx("192.168.2.7/32"), Gateway: ip("10.8.0.1")},
			{Prefix: pfx("10.0.0.0/8"), Gateway: ip("10.8.0.99"), HasMetric: true, Metric: 7},
			{Prefix: pfx("172.16.0.0/12"), NetGateway: true},
			{Prefix: pfx("1.2.3.0/24"), Gateway: ip("10.8.0.1")},
			{Prefix: pfx("10.8.0.1/32"), Gateway: ip("10.8.0.1")},
			{Prefix: pfx("5.5.5.0/32"), Gateway: ip("10.8.0.1"), HasMetric: true, Metric: 9},
			{Prefix: pfx("6.6.0.0/16"), Gateway: ip("10.8.0.1")},
		}},
		{"route-metric applies to routes without one, wherever pushed", []string{"route 10.1.0.0 255.255.0.0 10.8.0.1",
			"route 10.2.0.0 255.255.0.0 10.8.0.1 5", "route-metric 100"}, routes, []Route{
			{Prefix: pfx("10.1.0.0/16"), Gateway: ip("10.8.0.1"), HasMetric: true, Metric: 100},
			{Prefix: pfx("10.2.0.0/16"), Gateway: ip("10.8.0.1"), HasMetric: true, Metric: 5},
		}},
		{"route host bits masked", []string{"route 10.1.2.3 255.255.0.0 10.8.0.1"},
			func(o *Options) any { return []any{o.Routes[0].Prefix, len(o.Warnings)} }, []any{pfx("10.1.0.0/16"), 1}},
		{"ipv6 routes", []string{"ifconfig-ipv6 fd00::2/64 fd00::1", "route-ipv6 2000::/3", "route-ipv6 2001:db8::5",
			"route-ipv6 2001:db8:1::/48 fd00::99 10", "route-ipv6 2001:db8:2::1/48 default 4"}, routes6, []Route{
			{Prefix: pfx("2000::/3"), Gateway: ip("fd00::1")},
			{Prefix: pfx("2001:db8::5/128"), Gateway: ip("fd00::1")},
			{Prefix: pfx("2001:db8:1::/48"), Gateway: ip("fd00::99"), HasMetric: true, Metric: 10},
			{Prefix: pfx("2001:db8:2::/48"), Gateway: ip("fd00::1"), HasMetric: true, Metric: 4},
		}},
		{"route-ipv6-gateway", []string{"route-ipv6-gateway fd00::fe", "ifconfig-ipv6 fd00::2/64 fd00::1", "route-ipv6 ::/0"},
			routes6, []Route{{Prefix: pfx("::/0"), Gateway: ip("fd00::fe")}}},
		{"ipv6 route without any gateway is on-link", []string{"route-ipv6 2001:db8::/32"},
			routes6, []Route{{Prefix: pfx("2001:db8::/32")}}},
		{"redirect-gateway flags", []string{"redirect-gateway def1 bypass-dhcp bypass-dns ipv6 block-local local autolocal"},
			func(o *Options) any { return o.Redirect }, Redirect{Enabled: true, IPv4: true, IPv6: true, Def1: true,
				BypassDHCP: true, BypassDNS: true, Local: true, AutoLocal: true, BlockLocal: true}},
		{"redirect-gateway ipv6 only", []string{"redirect-gateway ipv6 !ipv4"},
			func(o *Options) any { return o.Redirect }, Redirect{IPv6: true}},
		{"redirect-private", []string{"redirect-private bypass-dhcp"},
			func(o *Options) any { return o.Redirect }, Redirect{Enabled: true, BypassDHCP: true}},
		{"dhcp-options", []string{"dhcp-option DNS 10.0.0.53", "dhcp-option DNS6 fd00::53", "dhcp-option DNS 2001:db8::53",
			"dhcp-option DOMAIN corp.example", "dhcp-option ADAPTER_DOMAIN_SUFFIX ad.example", "dhcp-option DOMAIN-SEARCH a.example",
			"dhcp-option NTP 10.0.0.123", "dhcp-option WINS 10.0.0.5", "dhcp-option NBDD 10.0.0.6", "dhcp-option NBT 2",
			"dhcp-option NBS scope", "dhcp-option DISABLE-NBT"},
			func(o *Options) any { return o.DHCP }, DHCPOptions{
				DNS:     []netip.Addr{ip("10.0.0.53"), ip("fd00::53"), ip("2001:db8::53")},
				Domains: []string{"corp.example", "ad.example"}, DomainSearch: []string{"a.example"},
				NTP: []netip.Addr{ip("10.0.0.123")}, WINS: []netip.Addr{ip("10.0.0.5")}, NBDD: []netip.Addr{ip("10.0.0.6")},
				NBT: 2, NBS: "scope", DisableNBT: true}},
		{"dns option, sorted by priority and merged", []string{"dns server 5 address 10.0.0.5", "dns server 1 address 10.0.0.1:5353 [2001:db8::1]:853 2001:db8::2",
			"dns server 1 resolve-domains corp.example lab.example", "dns server 1 dnssec optional", "dns server 1 transport DoT",
			"dns server 1 sni dns.corp.example", "dns search-domains corp.example", "dns search-domains lab.example"},
			func(o *Options) any { return o.DNS }, DNSOptions{SearchDomains: []string{"corp.example", "lab.example"}, Servers: []DNSServer{
				{Priority: 1, Addresses: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:5353"), netip.MustParseAddrPort("[2001:db8::1]:853"),
					netip.AddrPortFrom(ip("2001:db8::2"), 0)}, ResolveDomains: []string{"corp.example", "lab.example"},
					DNSSEC: "optional", Transport: "DoT", SNI: "dns.corp.example"},
				{Priority: 5, Addresses: []netip.AddrPort{netip.AddrPortFrom(ip("10.0.0.5"), 0)}},
			}}},
		{"dhcp-option DOMAIN-ROUTE", []string{"dhcp-option DOMAIN-ROUTE .", "dhcp-option DOMAIN-ROUTE corp.example"},
			func(o *Options) any { return o.DHCP.DomainRoute }, []string{".", "corp.example"}},
		{"resolvers fall back to dhcp-option", []string{"dhcp-option DNS 10.0.0.53", "dhcp-option DOMAIN-SEARCH a.example"},
			func(o *Options) any { s, d := o.Resolvers(); return []any{s, d} },
			[]any{[]netip.AddrPort{netip.AddrPortFrom(ip("10.0.0.53"), 0)}, []string{"a.example"}}},
		{"timers", []string{"ping 10", "ping-exit 60", "inactive 3600 1000000", "session-timeout 28800"},
			func(o *Options) any {
				return []any{o.Ping, o.PingTimeout, o.PingTimeoutAction, o.Inactive, o.InactiveBytes, o.SessionTimeout}
			}, []any{10 * time.Second, 60 * time.Second, PingExit, time.Hour, int64(1000000), 8 * time.Hour}},
		{"the last ping-* wins", []string{"ping-exit 60", "ping-restart 120"},
			func(o *Options) any { return []any{o.PingTimeout, o.PingTimeoutAction} }, []any{120 * time.Second, PingRestart}},
		{"key-derivation", []string{"key-derivation tls-ekm"}, func(o *Options) any { return o.ProtocolFlags }, FlagTLSEKM},
		{"unknown protocol flag warns", []string{"protocol-flags cc-exit data-epoch"},
			func(o *Options) any { return []any{o.ProtocolFlags, len(o.Warnings)} }, []any{FlagCCExit, 1}},
		{"peer-id and cipher", []string{"peer-id 16777215", "cipher CHACHA20-POLY1305", "auth SHA256"},
			func(o *Options) any { return []any{o.HasPeerID, o.PeerID, o.Cipher, o.Auth} }, []any{true, uint32(0xFFFFFF), "CHACHA20-POLY1305", "SHA256"}},
		{"auth-token-user", []string{"auth-token-user YWxpY2VAZXhhbXBsZS5jb20="}, func(o *Options) any { return o.AuthTokenUser }, "alice@example.com"},
		{"explicit-exit-notify without count", []string{"explicit-exit-notify"}, func(o *Options) any { return o.ExplicitExitNotify }, 1},
		{"echo and setenv-safe", []string{`echo "hello world" x`, "setenv-safe FOO bar", "setenv-safe EMPTY"},
			func(o *Options) any { return []any{o.Echo, o.SetEnv} },
			[]any{[]string{"hello world x"}, []EnvVar{{"FOO", "bar"}, {"EMPTY", ""}}}},
		{"misc flags", []string{"block-ipv6", "block-outside-dns", "register-dns", "route-gateway dhcp"},
			func(o *Options) any { return []bool{o.BlockIPv6, o.BlockOutsideDNS, o.RegisterDNS, o.RouteGatewayDHCP} }, []bool{true, true, true, true}},
		{"ignored and unknown", []string{"persist-tun", "tun-ipv6", "frobnicate a b", "setenv FOO bar", "dhcp-option PROXY_HTTP h 8080"},
			func(o *Options) any { return []any{o.Ignored, len(o.Warnings)} }, []any{[]string{"persist-tun", "tun-ipv6"}, 3}},
		{"pushed names in first-seen order", []string{"ping 1", "route 1.1.1.1 255.255.255.255 1.1.1.2", "ping 2", "push-continuation 1"},
			func(o *Options) any { return o.Pushed }, []string{"ping", "route"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOptions(tt.items...)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.get(o); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestCompression(t *testing.T) {
	tests := []struct {
		item        string
		framing     CompressionFraming
		compressing bool
	}{
		{"comp-lzo no", CompFramingLZO, false},
		{"comp-lzo", CompFramingLZO, true},
		{"comp-lzo yes", CompFramingLZO, true},
		{"comp-lzo adaptive", CompFramingLZO, true},
		{"compress lzo", CompFramingLZO, true},
		{"compress", CompFramingSwap, false},
		{"compress stub", CompFramingSwap, false},
		{"compress lz4", CompFramingSwap, true},
		{"compress stub-v2", CompFramingV2, false},
		{"compress lz4-v2", CompFramingV2, true},
	}
	for _, tt := range tests {
		o, err := ParseOptions(tt.item)
		if err != nil || o.Compression.Framing != tt.framing || o.Compression.Compressing != tt.compressing {
			t.Errorf("%q: %+v, %v", tt.item, o.Compression, err)
		}
	}
}

func TestMalformedOptions(t *testing.T) {
	tests := []struct {
		items  []string
		option string // the option the error must name
	}{
		{[]string{"topology star"}, "topology"},
		{[]string{"topology subnet", "ifconfig 10.8.0.2 10.8.0.1"}, "ifconfig"},
		{[]string{"ifconfig 10.8.0.2"}, "ifconfig"},
		{[]string{"ifconfig host.example 255.255.255.0"}, "ifconfig"},
		{[]string{"ifconfig-ipv6 fd00::2/48 fd00::1"}, "ifconfig-ipv6"},
		{[]string{"ifconfig-ipv6 fd00::2/64 10.0.0.1"}, "ifconfig-ipv6"},
		{[]string{"route 10.0.0.0 255.0.0.0"}, "route"}, // no gateway known
		{[]string{"route-gateway 10.8.0.1", "route 10.0.0.0 255.0.255.0"}, "route"},
		{[]string{"route-gateway 10.8.0.1", "route vpn.example.com"}, "route"},
		{[]string{"route-gateway 10.8.0.1", "route 10.0.0.0 255.0.0.0 gw.example"}, "route"},
		{[]string{"route-gateway 10.8.0.1", "route 10.0.0.0 255.0.0.0 default -1"}, "route"},
		{[]string{"route-gateway 10.8.0.1", "route remote_host 255.255.255.255 net_gateway"}, "route"},
		{[]string{"route-gateway 10.8.0.1", "route 1 2 3 4 5"}, "route"},
		{[]string{"route-gateway 2001:db8::1"}, "route-gateway"},
		{[]string{"route-ipv6 10.0.0.0/8"}, "route-ipv6"},
		{[]string{"route-ipv6 2001:db8::/32 nothex"}, "route-ipv6"},
		{[]string{"redirect-gateway def2"}, "redirect-gateway"},
		{[]string{"dhcp-option DNS dns.example"}, "dhcp-option"},
		{[]string{"dhcp-option WINS fd00::1"}, "dhcp-option"},
		{[]string{"dhcp-option NBT 3"}, "dhcp-option"},
		{[]string{"dhcp-option DOMAIN"}, "dhcp-option"},
		{[]string{"dns server 1 address 10.0.0.1:0"}, "dns"},
		{[]string{"dns server 1 address [fd00::1]"}, "dns"},
		{[]string{"dns server -1 address 10.0.0.1"}, "dns"},
		{[]string{"dns server 1 domain corp.example"}, "dns"},          // 2.6 spells it resolve-domains
		{[]string{"dns server 1 resolve-domains corp.example"}, "dns"}, // no address: 2.6 fails the pull
		{[]string{"dns server 1 address 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9"}, "dns"},
		{[]string{"dns server 1 transport QUIC"}, "dns"},
		{[]string{"dns blah x"}, "dns"},
		{[]string{"ping ten"}, "ping"},
		{[]string{"ping-restart -5"}, "ping-restart"},
		{[]string{"peer-id 16777216"}, "peer-id"},
		{[]string{"key-derivation prf"}, "key-derivation"},
		{[]string{"tun-mtu 20"}, "tun-mtu"},
		{[]string{"compress zstd"}, "compress"},
		{[]string{"comp-lzo maybe"}, "comp-lzo"},
		{[]string{"auth-token-user !!!"}, "auth-token-user"},
		{[]string{"auth-token a b"}, "auth-token"},
		{[]string{`echo "unterminated`}, "echo"},
		{[]string{`route 10.0.0.0 \x`}, "route"},
		{[]string{"push-continuation x"}, "push-continuation"},
		{[]string{"inactive 10 lots"}, "inactive"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.items, ","), func(t *testing.T) {
			o, err := ParseOptions(tt.items...)
			if o == nil {
				t.Fatal("no Options alongside the error")
			}
			var oe *OptionError
			if !errors.As(err, &oe) || !errors.Is(err, ErrMalformedOption) {
				t.Fatalf("err = %v, want an OptionError", err)
			}
			if oe.Option != tt.option || !strings.HasPrefix(err.Error(), "push option "+tt.option+":") {
				t.Errorf("error %q names %q, want %q", err, oe.Option, tt.option)
			}
		})
	}
}

// TestErrorsKeepGoodOptions: one bad option costs only itself.
func TestErrorsKeepGoodOptions(t *testing.T) {
	o, err := ParseOptions("route-gateway 10.8.0.1", "route 10.0.0.0 255.0.255.0", "route 10.1.0.0 255.255.0.0", "ping x", "ping-restart 60",
		"auth-token-user %%%secret%%%")
	if err == nil || len(o.Routes) != 1 || o.PingTimeout != time.Minute {
		t.Fatalf("err %v, routes %v, ping-restart %v", err, o.Routes, o.PingTimeout)
	}
	if n := len(strings.Split(err.Error(), "\n")); n != 3 {
		t.Errorf("%d errors, want 3: %v", n, err)
	}
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("error quotes the auth-token-user value: %v", err)
	}
}

func TestParseDeterministic(t *testing.T) {
	items := []string{"dns server 9 address 10.0.0.9", "dns server 3 address 10.0.0.3", "dns server 6 address 10.0.0.6",
		"route-gateway 10.8.0.1", "route 10.0.0.0 255.0.0.0", "topology subnet", "ifconfig 10.8.0.2 255.255.255.0"}
	first, _ := ParseOptions(items...)
	for range 20 {
		again, _ := ParseOptions(items...)
		if !reflect.DeepEqual(first, again) || first.String() != again.String() {
			t.Fatal("parse is not deterministic")
		}
	}
}
