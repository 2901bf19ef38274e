package tunnel

import (
	"net/netip"
	"sort"
	"strings"

	"github.com/cvpn/cvpn/netcfg"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

// dnsConfig is the DNS a tunnel asks for, from what the server pushed and
// the profile's own dhcp-option and dns lines. Pushed values win, part by
// part (servers, search domains, routing domains), as they replace the
// local ones in OpenVPN. Within each side the 2.6 "dns" option wins over
// dhcp-option (push.Options.Resolvers). Nil when neither side names a DNS
// server: the system's DNS is then left alone.
func dnsConfig(opts *push.Options, prof *profile.Profile) (*netcfg.DNS, []string) {
	pushed := pushedDNS(opts)
	local := profileDNS(prof)
	d := &netcfg.DNS{Servers: pushed.Servers, SearchDomains: pushed.SearchDomains, RouteDomains: pushed.RouteDomains}
	var security []serverSecurity
	for _, s := range opts.DNS.Servers {
		security = append(security, serverSecurity{s.DNSSEC, s.Transport, s.SNI})
	}
	if len(d.Servers) == 0 {
		d.Servers = local.Servers
		security = security[:0]
		for _, s := range prof.DNS.Servers {
			security = append(security, serverSecurity{s.DNSSEC, s.Transport, s.SNI})
		}
	}
	if len(d.SearchDomains) == 0 {
		d.SearchDomains = local.SearchDomains
	}
	if len(d.RouteDomains) == 0 {
		d.RouteDomains = local.RouteDomains
	}
	if len(d.Servers) == 0 {
		// Search or routing domains without a server of the tunnel's to
		// ask would only reshuffle the system's own resolvers.
		return nil, nil
	}
	warnings := applySecurity(d, security)
	// "." as a routing domain sends every query to the tunnel, which is
	// what Default says.
	routes := d.RouteDomains[:0:0]
	for _, r := range d.RouteDomains {
		if r == "." {
			d.Default = true
			continue
		}
		routes = append(routes, r)
	}
	d.RouteDomains = routes
	rg := prof.Routing.RedirectGateway
	redirect4 := (opts.Redirect.Enabled && opts.Redirect.IPv4) || (rg.IPv4 && !rg.Private)
	if redirect4 && !prof.Routing.NoExec {
		d.Default = true
	}
	return d, warnings
}

// serverSecurity is the 2.6 "dns server N" dnssec and transport settings.
type serverSecurity struct{ dnssec, transport, sni string }

// applySecurity folds the servers' dnssec and transport settings into d.
// A resolver holds one setting per interface, so the strictest one any
// server asks for wins: DNSSEC yes over optional over no, DNS over TLS
// over plain. DNS over HTTPS has no system resolver to carry it; it is
// refused with a warning and the servers are asked in plain text, as
// OpenVPN's own DNS scripts do where the resolver cannot do better.
func applySecurity(d *netcfg.DNS, servers []serverSecurity) []string {
	var warnings []string
	rank := map[string]int{"no": 1, "optional": 2, "yes": 3}
	best := 0
	for _, s := range servers {
		if r := rank[strings.ToLower(s.dnssec)]; r > best {
			best = r
		}
		switch strings.ToLower(s.transport) {
		case "dot":
			d.OverTLS = true
			if d.ServerName == "" {
				d.ServerName = s.sni
			}
		case "doh":
			warnings = append(warnings, "dns: DNS over HTTPS is not supported by the system resolver; the tunnel's DNS servers are asked in plain DNS inside the tunnel")
		}
	}
	d.DNSSEC = [...]string{"", "no", "allow-downgrade", "yes"}[best]
	return warnings
}

func pushedDNS(opts *push.Options) netcfg.DNS {
	var d netcfg.DNS
	var search []string
	d.Servers, search = opts.Resolvers()
	d.SearchDomains = append(append(d.SearchDomains, opts.DHCP.Domains...), search...)
	d.RouteDomains = append(d.RouteDomains, opts.DHCP.DomainRoute...)
	if len(opts.DNS.Servers) > 0 {
		for _, s := range opts.DNS.Servers {
			d.RouteDomains = append(d.RouteDomains, s.ResolveDomains...)
		}
	}
	return d
}

func profileDNS(prof *profile.Profile) netcfg.DNS {
	var d netcfg.DNS
	pd := prof.DNS
	servers := append([]profile.DNSServer(nil), pd.Servers...)
	sort.SliceStable(servers, func(i, j int) bool { return servers[i].Priority < servers[j].Priority })
	for _, s := range servers {
		for _, a := range s.Addresses {
			if ap, ok := parseProfileDNSAddr(a); ok {
				d.Servers = append(d.Servers, ap)
			}
		}
		d.RouteDomains = append(d.RouteDomains, s.ResolveDomains...)
	}
	var domains, search []string
	for _, o := range pd.Options {
		switch o.Type {
		case "DNS", "DNS6":
			if len(servers) == 0 { // the dns option replaces dhcp-option DNS
				if a, err := netip.ParseAddr(o.Value); err == nil {
					d.Servers = append(d.Servers, netip.AddrPortFrom(a.Unmap(), 0))
				}
			}
		case "DOMAIN", "ADAPTER_DOMAIN_SUFFIX":
			domains = append(domains, o.Value)
		case "DOMAIN-SEARCH":
			search = append(search, o.Value)
		}
	}
	if len(pd.SearchDomains) > 0 {
		search = pd.SearchDomains
	}
	d.SearchDomains = append(domains, search...)
	d.RouteDomains = append(d.RouteDomains, pd.RouteDomains...)
	return d
}

// parseProfileDNSAddr reads a profile "dns server N address" value:
// ADDR, ADDR:PORT, or [ADDR]:PORT for IPv6.
func parseProfileDNSAddr(s string) (netip.AddrPort, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a.Unmap(), 0), true
}
