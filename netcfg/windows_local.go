package netcfg

// The local networks in the Windows plan (no build tag, tested on Linux):
// bypass-dhcp and block-local, which OpenVPN's route.c does with
// RG_BYPASS_DHCP and add_block_local_routes, and the list of local
// networks the WFP leak block permits. NONE OF THIS HAS RUN ON WINDOWS.
//
//   - bypass-dhcp: the DHCP server that leased the address of the
//     interface carrying the IPv4 default route (GetAdaptersAddresses'
//     Dhcpv4Server) keeps a host route outside the tunnel, found like the
//     VPN server's, so lease renewals do not go into the tunnel. A server
//     on one of the machine's local networks needs none: the on-link route
//     is more specific than the tunnel's halves.
//   - block-local: each IPv4 network of that interface (prefix shorter
//     than /32) is split into two halves routed on-link into the tunnel,
//     which beat the network's own on-link route by being longer, and the
//     local gateway keeps a host route outside the tunnel. As in OpenVPN,
//     nothing is blocked when a Bypass address (the VPN server) is on one
//     of those networks: it must stay reachable.

import (
	"fmt"
	"net/netip"
)

// winIface is one interface of the machine as the planner needs it.
type winIface struct {
	Index uint32
	Name  string
	// Prefixes are the unicast addresses with their on-link prefix length.
	Prefixes []netip.Prefix
	// Default: this interface carries the IPv4 default route (the one
	// Windows prefers), through Gateway.
	Default bool
	Gateway netip.Addr
	// DHCPServer leased the interface's IPv4 address; invalid if none.
	DHCPServer netip.Addr
	Loopback   bool
}

// winLocal is the machine's interfaces, asked once per plan.
type winLocal struct {
	ifaces []winIface
	tun    uint32
}

func loadWinLocal(v winView, logf Logf) winLocal {
	l := winLocal{tun: v.TunIndex}
	if v.Interfaces == nil {
		return l
	}
	ifaces, err := v.Interfaces()
	if err != nil {
		logf.printf("local networks unknown (%v): no bypass-dhcp or block-local, and the leak block permits no local network", err)
		return l
	}
	l.ifaces = ifaces
	return l
}

// defaultIface is the interface that carries the IPv4 default route.
func (l winLocal) defaultIface() (winIface, bool) {
	for _, i := range l.ifaces {
		if i.Default && i.Index != l.tun {
			return i, true
		}
	}
	return winIface{}, false
}

// networks are the local networks of every interface but the tunnel and
// the loopback, masked and each once.
func (l winLocal) networks() []netip.Prefix {
	var out []netip.Prefix
	seen := map[netip.Prefix]bool{}
	for _, i := range l.ifaces {
		if i.Index == l.tun || i.Loopback {
			continue
		}
		for _, p := range i.Prefixes {
			if m := p.Masked(); !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out
}

// networkOf is the local network that contains a, if any.
func (l winLocal) networkOf(a netip.Addr) (netip.Prefix, bool) {
	for _, p := range l.networks() {
		if p.Contains(a) {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// winOutsideRoute is the route that keeps dst on the path it has now, or
// a reason why there is none to add.
func winOutsideRoute(v winView, dst netip.Addr, why string) (winOp, string, error) {
	hop, skip, err := winCurrentPath(v, dst)
	if err != nil || skip != "" {
		return winOp{}, skip, err
	}
	return winOp{Kind: winRoute, Index: hop.Index, Dev: hop.Name, Why: why,
		Route: Route{Dst: netip.PrefixFrom(dst, dst.BitLen()), Gateway: hop.NextHop}}, "", nil
}

func winHasRouteTo(ops []winOp, dst netip.Addr) bool {
	for _, op := range ops {
		if op.Kind == winRoute && op.Route.Dst == netip.PrefixFrom(dst, dst.BitLen()) {
			return true
		}
	}
	return false
}

// planWinBypassDHCP keeps the default interface's DHCP server outside the
// tunnel; outside are the routes planned so far, to add none twice. A
// server on a local network needs a route only when block-local sends
// that network into the tunnel.
func planWinBypassDHCP(v winView, l winLocal, blockLocal bool, outside []winOp, logf Logf) []winOp {
	def, ok := l.defaultIface()
	if !ok {
		logf.printf("bypass-dhcp: no interface carries an IPv4 default route")
		return nil
	}
	dhcp := def.DHCPServer.Unmap()
	switch {
	case !dhcp.IsValid() || dhcp.IsUnspecified() || dhcp == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		logf.printf("bypass-dhcp: %s has no DHCP server", def.Name)
		return nil
	case winHasRouteTo(outside, dhcp):
		return nil
	}
	if p, local := l.networkOf(dhcp); local && !blockLocal {
		logf.printf("bypass-dhcp: DHCP server %v is on the local network %v; it needs no route", dhcp, p)
		return nil
	}
	op, skip, err := winOutsideRoute(v, dhcp, "bypass-dhcp: DHCP server stays outside the tunnel")
	switch {
	case err != nil:
		logf.printf("bypass-dhcp: route to DHCP server %v not added: %v", dhcp, err)
		return nil
	case skip != "":
		logf.printf("bypass-dhcp: route to DHCP server %v not added: %s", dhcp, skip)
		return nil
	}
	return []winOp{op}
}

// planWinBlockLocal returns the local gateway's route outside the tunnel and
// the halves of the default interface's IPv4 networks into it.
func planWinBlockLocal(cfg Config, v winView, l winLocal, outside []winOp, logf Logf) (gateway, into []winOp) {
	def, ok := l.defaultIface()
	if !ok {
		logf.printf("block-local: no interface carries an IPv4 default route; local networks left alone")
		return nil, nil
	}
	var nets []netip.Prefix
	seen := map[netip.Prefix]bool{}
	for _, p := range def.Prefixes {
		if m := p.Masked(); m.Addr().Is4() && m.Bits() > 0 && m.Bits() < 32 && !seen[m] {
			seen[m] = true
			nets = append(nets, m)
		}
	}
	for _, n := range nets {
		for _, b := range cfg.Bypass {
			if n.Contains(b.Unmap()) {
				logf.printf("block-local: not done: server %v is on the local network %v of %s", b, n, def.Name)
				return nil, nil
			}
		}
	}
	if gw := def.Gateway.Unmap(); gw.IsValid() && !winHasRouteTo(outside, gw) {
		op, skip, err := winOutsideRoute(v, gw, "block-local: local gateway stays outside the tunnel")
		switch {
		case err != nil:
			logf.printf("block-local: route to gateway %v not added: %v", gw, err)
		case skip != "":
			logf.printf("block-local: route to gateway %v not added: %s", gw, skip)
		default:
			gateway = append(gateway, op)
		}
	}
	for _, n := range nets {
		lo, hi := winHalves(n)
		for _, h := range []netip.Prefix{lo, hi} {
			into = append(into, winOp{Kind: winRoute, Index: v.TunIndex, Dev: v.TunName, Route: Route{Dst: h},
				Why: fmt.Sprintf("block-local: half of %v on %s into the tunnel", n, def.Name)})
		}
	}
	return gateway, into
}

// winHalves splits an IPv4 prefix shorter than /32 into its two halves.
func winHalves(p netip.Prefix) (lo, hi netip.Prefix) {
	p = p.Masked()
	a := p.Addr().As4()
	n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n |= 1 << (31 - p.Bits())
	hiAddr := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	return netip.PrefixFrom(p.Addr(), p.Bits()+1), netip.PrefixFrom(hiAddr, p.Bits()+1)
}
