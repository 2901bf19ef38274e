package profile

import (
	"net/netip"
	"strings"
)

// specialRouteNames are the names OpenVPN resolves when routes are added.
var specialRouteNames = map[string]bool{"vpn_gateway": true, "net_gateway": true, "remote_host": true}

// routeAddr accepts what OpenVPN accepts for a route's network or gateway:
// an IPv4 address, a special name, or a host name resolved at connect time.
func routeAddr(s string) bool {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Is4()
	}
	return specialRouteNames[s] || validHost(s)
}

// isDefault is OpenVPN's "default" placeholder for an optional route field.
func isDefault(s string) bool { return s == "default" }

func (p *parser) route(d *directive) {
	r := &p.prof.Routing
	if len(r.Routes) >= MaxRoutes {
		p.errorf(d.line, d.name, "more than %d routes", "let the server push routes, or summarise them into larger networks", MaxRoutes)
		return
	}
	rt := Route{Network: d.args[0], Metric: -1, Line: d.line}
	if !routeAddr(rt.Network) {
		p.errorf(d.line, d.name, "network %q is not an IPv4 address or host name", "write `route NETWORK [NETMASK] [GATEWAY] [METRIC]`", printable(rt.Network))
		return
	}
	if len(d.args) > 1 && !isDefault(d.args[1]) {
		m, err := netip.ParseAddr(d.args[1])
		if err != nil || !m.Is4() || !contiguous(m) {
			p.errorf(d.line, d.name, "netmask %q is not an IPv4 netmask", "write it like 255.255.255.0", printable(d.args[1]))
			return
		}
		rt.Netmask = m
		if n, err := netip.ParseAddr(rt.Network); err == nil {
			if masked := and4(n, m); masked != n {
				p.warnf(d.line, d.name, "%s has host bits set for netmask %s; the route covers %s", n, m, masked)
			}
		}
	}
	if len(d.args) > 2 && !isDefault(d.args[2]) {
		if !routeAddr(d.args[2]) {
			p.errorf(d.line, d.name, "gateway %q is not an IPv4 address or host name", "write an address, vpn_gateway or net_gateway", printable(d.args[2]))
			return
		}
		rt.Gateway = d.args[2]
	}
	if len(d.args) > 3 && !isDefault(d.args[3]) {
		m, ok := p.intArg(d, d.args[3], "metric", 0, 1<<31-1)
		if !ok {
			return
		}
		rt.Metric = m
	}
	r.Routes = append(r.Routes, rt)
}

func contiguous(m netip.Addr) bool {
	b := m.As4()
	inv := ^(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
	return inv&(inv+1) == 0
}

func and4(a, m netip.Addr) netip.Addr {
	x, y := a.As4(), m.As4()
	for i := range x {
		x[i] &= y[i]
	}
	return netip.AddrFrom4(x)
}

func (p *parser) route6(d *directive) {
	r := &p.prof.Routing
	if len(r.Routes6) >= MaxRoutes {
		p.errorf(d.line, d.name, "more than %d IPv6 routes", "let the server push routes, or summarise them into larger networks", MaxRoutes)
		return
	}
	s := d.args[0]
	if !strings.Contains(s, "/") {
		s += "/128"
	}
	pfx, err := netip.ParsePrefix(s)
	if err != nil || !pfx.Addr().Is6() || pfx.Addr().Is4In6() {
		p.errorf(d.line, d.name, "%q is not an IPv6 network", "write it like 2001:db8::/32", printable(d.args[0]))
		return
	}
	if pfx.Masked() != pfx {
		p.warnf(d.line, d.name, "%s has host bits set; the route covers %s", pfx, pfx.Masked())
	}
	rt := Route6{Prefix: pfx.Masked(), Metric: -1, Line: d.line}
	if len(d.args) > 1 && !isDefault(d.args[1]) {
		gw, err := netip.ParseAddr(d.args[1])
		if err != nil || !gw.Is6() {
			p.errorf(d.line, d.name, "gateway %q is not an IPv6 address", "write an IPv6 address or leave it out", printable(d.args[1]))
			return
		}
		rt.Gateway = gw
	}
	if len(d.args) > 2 && !isDefault(d.args[2]) {
		m, ok := p.intArg(d, d.args[2], "metric", 0, 1<<31-1)
		if !ok {
			return
		}
		rt.Metric = m
	}
	r.Routes6 = append(r.Routes6, rt)
}

func (p *parser) redirectGateway(d *directive) {
	g := &p.prof.Routing.RedirectGateway
	if g.IPv4 || g.Private || g.IPv6 {
		p.warnf(d.line, d.name, "redirect-gateway or redirect-private given more than once; the flags add up")
	}
	if d.name == "redirect-gateway" {
		g.IPv4 = true
	} else {
		g.Private = true
	}
	for _, f := range d.args {
		switch f {
		case "local":
			g.Local = true
		case "autolocal":
			g.AutoLocal = true
		case "def1":
			g.Def1 = true
		case "bypass-dhcp":
			g.BypassDHCP = true
		case "bypass-dns":
			g.BypassDNS = true
		case "block-local":
			g.BlockLocal = true
		case "ipv6":
			g.IPv6 = true
		case "!ipv4":
			g.IPv4 = false
		default:
			p.errorf(d.line, d.name, "unknown flag %q", "use def1, ipv6, !ipv4, bypass-dhcp, bypass-dns, local, autolocal or block-local", printable(f))
			return
		}
	}
}

func (p *parser) routeMetric(d *directive) {
	if m, ok := p.intArg(d, d.args[0], "metric", 0, 1<<31-1); ok {
		p.prof.Routing.Metric = m
	}
}

func (p *parser) routeGateway(d *directive) {
	v := d.args[0]
	switch {
	case v == "dhcp":
		p.prof.Routing.Gateway = ""
	case routeAddr(v):
		p.prof.Routing.Gateway = v
	default:
		p.errorf(d.line, d.name, "%q is not an IPv4 address", "write an address or dhcp", printable(v))
	}
}

func (p *parser) routeGateway6(d *directive) {
	a, err := netip.ParseAddr(d.args[0])
	if err != nil || !a.Is6() {
		p.errorf(d.line, d.name, "%q is not an IPv6 address", "write an IPv6 address", printable(d.args[0]))
		return
	}
	p.prof.Routing.Gateway6 = a
}

func (p *parser) pullFilter(d *directive) {
	r := &p.prof.Routing
	if len(r.PullFilters) >= maxListItems {
		p.errorf(d.line, d.name, "more than %d pull filters", "combine them by common prefix", maxListItems)
		return
	}
	f := PullFilter{Prefix: d.args[1]}
	switch d.args[0] {
	case "accept":
		f.Action = PullAccept
	case "ignore":
		f.Action = PullIgnore
	case "reject":
		f.Action = PullReject
	default:
		p.errorf(d.line, d.name, "unknown action %q", "use accept, ignore or reject", printable(d.args[0]))
		return
	}
	r.PullFilters = append(r.PullFilters, f)
}

// dhcpOption accepts what OpenVPN 2.6 accepts. On Linux and macOS a stock
// client passes every dhcp-option to its scripts without looking at it; on
// Windows it checks the types it knows (tun.c). cvpn checks the values of
// the types it uses, maps DOMAIN-ROUTE (split DNS, as systemd-resolved's
// helper does), and ignores other types with a warning instead of refusing
// a profile that stock clients take.
func (p *parser) dhcpOption(d *directive) {
	dns := &p.prof.DNS
	if len(dns.Options) >= maxListItems {
		p.errorf(d.line, d.name, "more than %d dhcp-option lines", "keep the ones the server does not push", maxListItems)
		return
	}
	typ := d.args[0]
	val := ""
	if len(d.args) > 1 {
		val = d.args[1]
	}
	bad := func(fix string) {
		p.errorf(d.line, d.name, "%s value %q is not valid", fix, printable(typ), printable(val))
	}
	if len(d.args) > 2 && typ != "PROXY_HTTP" {
		p.errorf(d.line, d.name, "%s takes one value, not %d", "write `dhcp-option TYPE VALUE`", printable(typ), len(d.args)-1)
		return
	}
	switch typ {
	case "DNS", "DNS6", "WINS", "NTP", "NBDD":
		a, err := netip.ParseAddr(val)
		if err != nil || (typ != "DNS" && typ != "DNS6" && !a.Is4()) {
			bad("write an IP address")
			return
		}
	case "DOMAIN", "ADAPTER_DOMAIN_SUFFIX", "DOMAIN-SEARCH":
		if !validHost(val) {
			bad("write a domain name")
			return
		}
	case "DOMAIN-ROUTE":
		// "." routes every query to the VPN's DNS servers.
		if val != "." && !validHost(val) {
			bad("write a domain name, or . for every domain")
			return
		}
		if len(dns.RouteDomains) < maxListItems {
			dns.RouteDomains = append(dns.RouteDomains, val)
		}
	case "NBT":
		if val != "1" && val != "2" && val != "4" && val != "8" {
			bad("use 1, 2, 4 or 8")
			return
		}
	case "NBS", "PROXY_HTTP":
		if val == "" {
			bad("give a value")
			return
		}
	case "DISABLE-NBT":
		if val != "" {
			bad("DISABLE-NBT takes no value")
			return
		}
	default:
		p.warnf(d.line, d.name, "type %s is not used by cvpn; ignored", printable(typ))
		return
	}
	dns.Options = append(dns.Options, DHCPOption{Type: typ, Value: val})
}

// dns handles OpenVPN 2.6's "dns search-domains ..." and
// "dns server N address|resolve-domains|dnssec|transport|sni ...".
func (p *parser) dns(d *directive) {
	cfg := &p.prof.DNS
	if d.args[0] == "search-domains" {
		for _, dom := range d.args[1:] {
			if !validHost(dom) || len(cfg.SearchDomains) >= maxListItems {
				p.errorf(d.line, d.name, "bad or too many search domains at %q", "write domain names", printable(dom))
				return
			}
			cfg.SearchDomains = append(cfg.SearchDomains, dom)
		}
		return
	}
	if d.args[0] != "server" || len(d.args) < 4 {
		p.errorf(d.line, d.name, "unknown form", "write `dns search-domains DOMAIN...` or `dns server N address ADDR...`")
		return
	}
	prio, ok := p.intArg(d, d.args[1], "priority", -128, 127)
	if !ok {
		return
	}
	srv := p.dnsServer(prio)
	if srv == nil {
		p.errorf(d.line, d.name, "more than %d dns servers", "keep the ones you use", maxListItems)
		return
	}
	vals := d.args[3:]
	switch key := d.args[2]; key {
	case "address":
		for _, a := range vals {
			if _, err := netip.ParseAddrPort(a); err != nil {
				if _, err := netip.ParseAddr(strings.Trim(a, "[]")); err != nil {
					p.errorf(d.line, d.name, "%q is not an address", "write an IP address, optionally with :port", printable(a))
					return
				}
			}
			if len(srv.Addresses) >= 8 {
				p.errorf(d.line, d.name, "more than 8 addresses for one server", "split them over servers")
				return
			}
			srv.Addresses = append(srv.Addresses, a)
		}
	case "resolve-domains":
		if len(srv.ResolveDomains)+len(vals) > maxListItems {
			p.errorf(d.line, d.name, "more than %d resolve-domains", "keep the ones you use", maxListItems)
			return
		}
		srv.ResolveDomains = append(srv.ResolveDomains, vals...)
	case "dnssec", "transport", "sni":
		allowed := map[string][]string{"dnssec": {"yes", "no", "optional"}, "transport": {"plain", "DoH", "DoT"}}
		if len(vals) != 1 || (key != "sni" && !contains(allowed[key], vals[0])) {
			p.errorf(d.line, d.name, "bad %s value", "see the dns section of the OpenVPN manual", key)
			return
		}
		switch key {
		case "dnssec":
			srv.DNSSEC = vals[0]
		case "transport":
			srv.Transport = vals[0]
		default:
			srv.SNI = vals[0]
		}
	default:
		p.errorf(d.line, d.name, "unknown server setting %q", "use address, resolve-domains, dnssec, transport or sni", printable(key))
	}
}

func (p *parser) dnsServer(prio int) *DNSServer {
	cfg := &p.prof.DNS
	for i := range cfg.Servers {
		if cfg.Servers[i].Priority == prio {
			return &cfg.Servers[i]
		}
	}
	if len(cfg.Servers) >= maxListItems {
		return nil
	}
	cfg.Servers = append(cfg.Servers, DNSServer{Priority: prio})
	return &cfg.Servers[len(cfg.Servers)-1]
}
