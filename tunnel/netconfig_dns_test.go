package tunnel

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

func TestNetConfigDNS(t *testing.T) {
	const base = "PUSH_REPLY,topology subnet,route-gateway 10.8.0.1,ifconfig 10.8.0.2 255.255.255.0"
	localDNS := profile.DNS{Options: []profile.DHCPOption{{Type: "DNS", Value: "10.1.1.1"}, {Type: "DOMAIN-SEARCH", Value: "p.example"}}}
	tests := []struct {
		name   string
		push   string
		prof   profile.Profile
		want   string // netcfg.DNS.String()
		warned string // a warning to expect
	}{
		{name: "nothing for dns", push: base, want: "none"},
		{
			name: "domains without a server change nothing",
			push: base + ",dhcp-option DOMAIN-SEARCH lab.example,dhcp-option DOMAIN-ROUTE .",
			prof: profile.Profile{DNS: profile.DNS{RouteDomains: []string{"."}}},
			want: "none",
		},
		{
			name: "dhcp-option servers and domains",
			push: base + ",dhcp-option DNS 10.8.0.1,dhcp-option DNS6 fd00::1,dhcp-option DOMAIN corp.example,dhcp-option DOMAIN-SEARCH lab.example",
			want: "servers [10.8.0.1 fd00::1] search [corp.example lab.example] route []",
		},
		{
			name: "the dns option wins over dhcp-option",
			push: base + ",dhcp-option DNS 10.9.9.9,dhcp-option DOMAIN-SEARCH y.example,dns server 1 address 10.0.0.53:5353," +
				"dns server 0 address 10.0.0.1,dns server 0 resolve-domains corp.example,dns search-domains x.example",
			want: "servers [10.0.0.1 10.0.0.53:5353] search [x.example] route [corp.example]",
		},
		{
			name: "redirect-gateway makes the tunnel's servers the default",
			push: base + ",redirect-gateway def1,dhcp-option DNS 10.8.0.1",
			want: "servers [10.8.0.1] search [] route [] default",
		},
		{
			name: "DOMAIN-ROUTE . is the default",
			push: base + ",dhcp-option DNS 10.8.0.1,dhcp-option DOMAIN-ROUTE .,dhcp-option DOMAIN-ROUTE corp.example",
			want: "servers [10.8.0.1] search [] route [corp.example] default",
		},
		{
			name: "route-noexec: routes are not redirected, neither is DNS",
			push: base + ",redirect-gateway def1,dhcp-option DNS 10.8.0.1",
			prof: profile.Profile{Routing: profile.Routing{NoExec: true}},
			want: "servers [10.8.0.1] search [] route []",
		},
		{
			name: "profile only",
			push: base,
			prof: profile.Profile{DNS: localDNS},
			want: "servers [10.1.1.1] search [p.example] route []",
		},
		{
			name: "pushed values win, part by part",
			push: base + ",dhcp-option DNS 10.8.0.1",
			prof: profile.Profile{DNS: localDNS},
			want: "servers [10.8.0.1] search [p.example] route []",
		},
		{
			name: "profile dns servers in priority order over its dhcp-option",
			push: base,
			prof: profile.Profile{DNS: profile.DNS{
				Options:      []profile.DHCPOption{{Type: "DNS", Value: "10.1.1.1"}},
				Servers:      []profile.DNSServer{{Priority: 5, Addresses: []string{"[fd00::53]:5353"}}, {Priority: 1, Addresses: []string{"10.2.2.2"}, ResolveDomains: []string{"in.example"}}},
				RouteDomains: []string{"r.example"},
			}},
			want: "servers [10.2.2.2 [fd00::53]:5353] search [] route [in.example r.example]",
		},
		{
			name: "pushed dnssec and DNS over TLS: the strictest setting wins",
			push: base + ",dns server 0 address 10.0.0.1,dns server 0 dnssec optional,dns server 0 transport DoT,dns server 0 sni dns.corp.example," +
				"dns server 1 address 10.0.0.2,dns server 1 dnssec no",
			want: "servers [10.0.0.1 10.0.0.2] search [] route [] dnssec allow-downgrade over-tls sni dns.corp.example",
		},
		{
			name: "DNS over HTTPS is asked in plain DNS, with a warning",
			push: base + ",dns server 0 address 10.0.0.1,dns server 0 transport DoH,dns server 0 dnssec yes",
			want: "servers [10.0.0.1] search [] route [] dnssec yes", warned: "DNS over HTTPS is not supported",
		},
		{
			name: "profile dnssec when nothing is pushed",
			push: base,
			prof: profile.Profile{DNS: profile.DNS{Servers: []profile.DNSServer{{Addresses: []string{"10.2.2.2"}, DNSSEC: "yes"}}}},
			want: "servers [10.2.2.2] search [] route [] dnssec yes",
		},
	}
	server := openvpn.Link{Remote: netip.MustParseAddrPort("203.0.113.7:1194"), Proto: profile.ProtoUDP}
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
			if got := cfg.DNS.String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			w := strings.Join(warns, "\n")
			if tt.warned != "" && !strings.Contains(w, tt.warned) || tt.warned == "" && strings.Contains(w, "dns:") {
				t.Errorf("warnings %q, want %q", warns, tt.warned)
			}
		})
	}
}
