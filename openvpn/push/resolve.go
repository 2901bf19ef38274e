package push

import (
	"net/netip"
	"strconv"
)

// finish resolves what depends on several options: the interface address
// needs the topology, a route's gateway needs route-gateway or the p2p peer,
// a route's metric needs route-metric. Push order does not matter, as in
// OpenVPN, which applies them only once the reply is complete.
func (p *parser) finish() (*Options, []error) {
	p.o.Topology = p.topology // net30 (the zero value) when not pushed
	p.finishIfconfig()

	p.o.Gateway4 = p.routeGateway
	if !p.o.Gateway4.IsValid() && p.o.Topology != TopologySubnet {
		p.o.Gateway4 = p.o.IPv4.Peer // init.c:do_init_route_list
	}
	p.o.Gateway6 = p.routeGateway6
	if !p.o.Gateway6.IsValid() {
		p.o.Gateway6 = p.o.IPv6.Peer
	}
	for _, r := range p.routes {
		if rt, ok := p.route4(r.args); ok {
			p.o.Routes = append(p.o.Routes, rt)
		}
	}
	for _, r := range p.routes6 {
		if rt, ok := p.route6(r.args); ok {
			p.o.Routes6 = append(p.o.Routes6, rt)
		}
	}
	p.finishDNS()
	o := p.o
	return &o, p.errs
}

func (p *parser) finishIfconfig() {
	if p.ifconfig == nil {
		return
	}
	const name = "ifconfig"
	local, err := netip.ParseAddr(p.ifconfig[0])
	if err != nil || !local.Is4() {
		p.fail(name, "local %q is not an IPv4 address", p.ifconfig[0])
		return
	}
	second, err := netip.ParseAddr(p.ifconfig[1])
	if err != nil || !second.Is4() {
		p.fail(name, "%q is not an IPv4 address", p.ifconfig[1])
		return
	}
	switch p.o.Topology {
	case TopologySubnet:
		bits, ok := maskBits(second)
		if !ok {
			p.fail(name, "%s is not a netmask (topology subnet)", second)
			return
		}
		p.o.IPv4 = Interface{Address: netip.PrefixFrom(local, bits)}
	default:
		if _, ok := maskBits(second); ok && second.As4()[0] == 255 {
			p.warn("ifconfig: %s looks like a netmask, but topology %s wants the peer address", second, p.o.Topology)
		}
		bits := 32
		if p.o.Topology == TopologyNet30 {
			bits = 30
			lp, _ := local.Prefix(30)
			if !lp.Contains(second) {
				p.warn("ifconfig: %s and %s are not in one /30 (topology net30)", local, second)
			}
		}
		p.o.IPv4 = Interface{Address: netip.PrefixFrom(local, bits), Peer: second}
	}
}

// maskBits converts a contiguous netmask to a prefix length.
func maskBits(m netip.Addr) (int, bool) {
	if !m.Is4() {
		return 0, false
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	ones := 0
	for v&(1<<31) != 0 {
		ones++
		v <<= 1
	}
	if v != 0 {
		return 0, false
	}
	return ones, true
}

// defined is route.c:is_route_parm_defined: absent or "default" means
// "use the default".
func defined(s string) bool { return s != "" && s != "default" }

// route4 resolves "route network [netmask [gateway [metric]]]".
func (p *parser) route4(a []string) (Route, bool) {
	const name = "route"
	network, mask, gw, metric := arg(a, 0), arg(a, 1), arg(a, 2), arg(a, 3)
	var rt Route

	var netAddr netip.Addr
	switch network {
	case "vpn_gateway":
		if !p.o.Gateway4.IsValid() {
			p.fail(name, "network vpn_gateway, but no route-gateway or p2p peer was pushed")
			return rt, false
		}
		netAddr = p.o.Gateway4
	case "net_gateway", "remote_host":
		p.fail(name, "network %s is not supported in a pushed route", network)
		return rt, false
	default:
		var err error
		netAddr, err = netip.ParseAddr(network)
		if err != nil || !netAddr.Is4() {
			p.fail(name, "network %q is not an IPv4 address", network)
			return rt, false
		}
	}

	bits := 32
	if defined(mask) {
		m, err := netip.ParseAddr(mask)
		var ok bool
		if err == nil {
			bits, ok = maskBits(m)
		}
		if !ok {
			p.fail(name, "%s: netmask %q is not a contiguous IPv4 netmask", network, mask)
			return rt, false
		}
	}
	rt.Prefix = netip.PrefixFrom(netAddr, bits)
	if masked := rt.Prefix.Masked(); masked != rt.Prefix {
		p.warn("route %s %s: host bits set, using %s", network, mask, masked)
		rt.Prefix = masked
	}

	switch {
	case !defined(gw) || gw == "vpn_gateway":
		if !p.o.Gateway4.IsValid() {
			p.fail(name, "%s: no gateway given and no route-gateway or p2p peer pushed", rt.Prefix)
			return rt, false
		}
		rt.Gateway = p.o.Gateway4
	case gw == "net_gateway":
		rt.NetGateway = true
	case gw == "remote_host":
		p.fail(name, "%s: gateway remote_host is not supported", rt.Prefix)
		return rt, false
	default:
		g, err := netip.ParseAddr(gw)
		if err != nil || !g.Is4() {
			p.fail(name, "%s: gateway %q is not an IPv4 address", rt.Prefix, gw)
			return rt, false
		}
		rt.Gateway = g
	}
	return rt, p.metric(name, &rt, metric)
}

// route6 resolves "route-ipv6 prefix [gateway [metric]]".
func (p *parser) route6(a []string) (Route, bool) {
	const name = "route-ipv6"
	pfxStr, gw, metric := arg(a, 0), arg(a, 1), arg(a, 2)
	var rt Route
	pfx, err := netip.ParsePrefix(pfxStr)
	if err != nil {
		if ip, err2 := netip.ParseAddr(pfxStr); err2 == nil {
			pfx, err = netip.PrefixFrom(ip, 128), nil
		}
	}
	if err != nil || !pfx.Addr().Is6() || pfx.Addr().Zone() != "" {
		p.fail(name, "%q is not an IPv6 prefix", pfxStr)
		return rt, false
	}
	if masked := pfx.Masked(); masked != pfx {
		p.warn("route-ipv6 %s: host bits set, using %s", pfx, masked)
		pfx = masked
	}
	rt.Prefix = pfx
	if defined(gw) {
		g, err := netip.ParseAddr(gw)
		if err != nil || !g.Is6() {
			p.fail(name, "%s: gateway %q is not an IPv6 address", pfx, gw)
			return rt, false
		}
		rt.Gateway = g
	} else {
		rt.Gateway = p.o.Gateway6 // may be invalid: on-link
	}
	return rt, p.metric(name, &rt, metric)
}

// metric applies an explicit metric or route-metric.
func (p *parser) metric(name string, rt *Route, s string) bool {
	if defined(s) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			p.fail(name, "%s: metric %q must be a non-negative number", rt.Prefix, s)
			return false
		}
		rt.Metric, rt.HasMetric = n, true
		return true
	}
	if p.o.RouteMetric > 0 {
		rt.Metric, rt.HasMetric = p.o.RouteMetric, true
	}
	return true
}
