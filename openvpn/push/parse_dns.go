package push

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Limits a 2.6 client applies (tun.h, dns.h).
const (
	maxDomainSearch    = 10 // N_SEARCH_LIST_LEN
	maxDNSServerAddrs  = 8  // struct dns_server: addr[8]
	maxDNSPriorityPull = 127
)

// dhcpOption parses "dhcp-option TYPE [value]" with the checks of the
// Windows client (options.c), which is the strictest; other platforms pass
// the same values to their DNS scripts.
func (p *parser) dhcpOption(name string, a []string) {
	kind, val := a[0], arg(a, 1)
	d := &p.o.DHCP
	needValue := func() bool {
		if len(a) != 2 {
			p.fail(name, "%s needs one value", kind)
			return false
		}
		return true
	}
	addr := func(v6ok bool) (netip.Addr, bool) {
		ip, err := netip.ParseAddr(val)
		if err != nil || ip.Zone() != "" || (ip.Is6() && !v6ok) {
			p.fail(name, "%s: %q is not a valid address", kind, val)
			return netip.Addr{}, false
		}
		return ip.Unmap(), true
	}
	switch kind {
	case "DNS", "DNS6":
		if needValue() {
			if ip, ok := addr(true); ok {
				d.DNS = append(d.DNS, ip)
			}
		}
	case "WINS", "NTP", "NBDD":
		if !needValue() {
			return
		}
		ip, ok := addr(false)
		if !ok {
			return
		}
		switch kind {
		case "WINS":
			d.WINS = append(d.WINS, ip)
		case "NTP":
			d.NTP = append(d.NTP, ip)
		default:
			d.NBDD = append(d.NBDD, ip)
		}
	case "DOMAIN", "ADAPTER_DOMAIN_SUFFIX":
		if needValue() {
			d.Domains = append(d.Domains, val)
		}
	case "DOMAIN-SEARCH":
		if !needValue() {
			return
		}
		if len(d.DomainSearch) >= maxDomainSearch {
			p.warn("dhcp-option DOMAIN-SEARCH: more than %d entries, %q dropped", maxDomainSearch, val)
			return
		}
		d.DomainSearch = append(d.DomainSearch, val)
	case "DOMAIN-ROUTE":
		if needValue() && len(d.DomainRoute) < maxDomainSearch {
			d.DomainRoute = append(d.DomainRoute, val)
		}
	case "NBS":
		if needValue() {
			d.NBS = val
		}
	case "NBT":
		if !needValue() {
			return
		}
		n, err := strconv.Atoi(val)
		if err != nil || (n != 1 && n != 2 && n != 4 && n != 8) {
			p.fail(name, "NBT %q: must be 1, 2, 4 or 8", val)
			return
		}
		d.NBT = n
	case "DISABLE-NBT":
		if len(a) != 1 {
			p.fail(name, "DISABLE-NBT takes no value")
			return
		}
		d.DisableNBT = true
	default:
		p.warn("unknown dhcp-option type %q ignored", kind)
	}
}

// dnsOpt parses the 2.6 "dns" option (options.c, dns.c):
//
//	dns search-domains DOMAIN…
//	dns server N address ADDR[:PORT]…      (IPv6 as ADDR or [ADDR]:PORT)
//	dns server N resolve-domains DOMAIN…
//	dns server N dnssec yes|no|optional
//	dns server N transport plain|DoH|DoT
//	dns server N sni NAME
func (p *parser) dnsOpt(name string, a []string) {
	switch a[0] {
	case "search-domains":
		p.o.DNS.SearchDomains = append(p.o.DNS.SearchDomains, a[1:]...)
		return
	case "server":
	default:
		p.fail(name, "unknown sub-option %q", a[0])
		return
	}
	if len(a) < 4 {
		p.fail(name, "server needs a priority, a setting and a value")
		return
	}
	prio, err := strconv.Atoi(a[1])
	if err != nil || prio < 0 || prio > maxDNSPriorityPull {
		p.fail(name, "server priority %q must be 0 to %d when pushed", a[1], maxDNSPriorityPull)
		return
	}
	if p.dnsServers == nil {
		p.dnsServers = make(map[int]*DNSServer)
	}
	srv := p.dnsServers[prio]
	if srv == nil {
		srv = &DNSServer{Priority: prio}
		p.dnsServers[prio] = srv
	}
	key, vals := a[2], a[3:]
	one := func(allowed ...string) (string, bool) {
		if len(vals) != 1 || (allowed != nil && !contains(allowed, vals[0])) {
			p.fail(name, "server %d %s: want one of %s", prio, key, strings.Join(allowed, ", "))
			return "", false
		}
		return vals[0], true
	}
	switch key {
	case "address":
		for _, v := range vals {
			ap, ok := parseDNSAddr(v)
			if !ok {
				p.fail(name, "server %d: malformed address %q", prio, v)
				return
			}
			if len(srv.Addresses) >= maxDNSServerAddrs {
				p.fail(name, "server %d: more than %d addresses", prio, maxDNSServerAddrs)
				return
			}
			srv.Addresses = append(srv.Addresses, ap)
		}
	case "resolve-domains":
		srv.ResolveDomains = append(srv.ResolveDomains, vals...)
	case "dnssec":
		if v, ok := one("yes", "no", "optional"); ok {
			srv.DNSSEC = v
		}
	case "transport":
		if v, ok := one("plain", "DoH", "DoT"); ok {
			srv.Transport = v
		}
	case "sni":
		if len(vals) != 1 {
			p.fail(name, "server %d sni: want one name", prio)
			return
		}
		srv.SNI = vals[0]
	default:
		p.fail(name, "server %d: unknown setting %q", prio, key)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// parseDNSAddr follows dns.c:dns_server_addr_parse: at most one ':' means
// IPv4 with an optional port; more means IPv6, bare or as [addr]:port.
func parseDNSAddr(s string) (netip.AddrPort, bool) {
	host, portStr, hasPort := s, "", false
	v4 := strings.Count(s, ":") <= 1
	switch {
	case v4:
		host, portStr, hasPort = strings.Cut(s, ":")
	case strings.HasPrefix(s, "["):
		end := strings.LastIndex(s, "]:")
		if end < 0 {
			return netip.AddrPort{}, false
		}
		host, portStr, hasPort = s[1:end], s[end+2:], true
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || ip.Zone() != "" || v4 != ip.Is4() {
		return netip.AddrPort{}, false
	}
	var port uint64
	if hasPort {
		port, err = strconv.ParseUint(portStr, 10, 16)
		if err != nil || port == 0 {
			return netip.AddrPort{}, false
		}
	}
	return netip.AddrPortFrom(ip, uint16(port)), true
}

// finishDNS orders the servers and applies dns.c:dns_options_verify: a
// server without an address fails the whole pull in 2.6, so it is an error
// here (and the server is dropped).
func (p *parser) finishDNS() {
	prios := make([]int, 0, len(p.dnsServers))
	for prio := range p.dnsServers {
		prios = append(prios, prio)
	}
	sort.Ints(prios)
	for _, prio := range prios {
		srv := p.dnsServers[prio]
		if len(srv.Addresses) == 0 {
			p.fail("dns", "server %d has no address", prio)
			continue
		}
		p.o.DNS.Servers = append(p.o.DNS.Servers, *srv)
	}
}

// Resolvers is the DNS configuration a 2.6 client applies: the "dns"
// servers and search domains when pushed, which replace "dhcp-option DNS"
// and "dhcp-option DOMAIN-SEARCH" respectively (options.c:
// foreign_options_copy_dns); otherwise the dhcp-option values. Servers are
// in priority order, each with port 0 when it uses the default.
func (o *Options) Resolvers() (servers []netip.AddrPort, searchDomains []string) {
	if len(o.DNS.Servers) > 0 {
		for _, s := range o.DNS.Servers {
			servers = append(servers, s.Addresses...)
		}
	} else {
		for _, a := range o.DHCP.DNS {
			servers = append(servers, netip.AddrPortFrom(a, 0))
		}
	}
	if len(o.DNS.SearchDomains) > 0 {
		searchDomains = append(searchDomains, o.DNS.SearchDomains...)
	} else {
		searchDomains = append(searchDomains, o.DHCP.DomainSearch...)
	}
	return servers, searchDomains
}
