package netcfg

// Blocking the local network on macOS (redirect-gateway block-local), as
// the Linux layer does (blocklocal_linux.go) and as OpenVPN does in
// route.c: def1 leaves the LAN reachable because the LAN's interface
// route is more specific than the two halves of the default route, so
// each IPv4 subnet of the interface that carries the default route is
// split in two halves, one bit longer and so preferred, and both go into
// the tunnel. The local gateway keeps an interface host route outside it,
// so the path to the VPN server through that gateway still works. When
// the VPN server is itself on one of those subnets nothing is blocked:
// blocking would cut the tunnel's own path.
//
// The planner's view gains the default route (an RTM_GET of 0.0.0.0) and
// the IPv4 addresses of its interface (getifaddrs through package net in
// routes_darwin.go). NOTE: golden-tested on Linux only; it has never run
// on a real Mac.

import (
	"fmt"
	"net/netip"
	"slices"
)

// darwinDefault4 is the address whose RTM_GET answers with the IPv4
// default route.
var darwinDefault4 = netip.IPv4Unspecified()

// newDarwinView asks the system, through path and addrs, what cfg's plan
// needs to know: the current path of each address darwinLookups lists
// and, for block-local, the IPv4 addresses of the default route's
// interface.
func newDarwinView(cfg Config, path func(netip.Addr) darwinPath, addrs func(iface string) ([]netip.Prefix, error)) (darwinView, error) {
	v := darwinView{Paths: map[netip.Addr]darwinPath{}, Addrs: map[string][]netip.Prefix{}}
	for _, dst := range darwinLookups(cfg) {
		v.Paths[dst] = path(dst)
	}
	if !cfg.BlockLocal {
		return v, nil
	}
	def := v.Paths[darwinDefault4]
	if def.Err != nil || def.Local || def.Iface == "" || def.Iface == cfg.Interface {
		return v, nil // nothing to block; the plan says why
	}
	as, err := addrs(def.Iface)
	if err != nil {
		return v, fmt.Errorf("block-local: list addresses of %s: %w", def.Iface, err)
	}
	v.Addrs[def.Iface] = as
	return v, nil
}

// planDarwinBlockLocal is what block-local adds to cfg's plan: the ops
// that keep the local gateway outside the tunnel (or a note saying why
// nothing is blocked), and the halves to route into the tunnel.
func planDarwinBlockLocal(cfg Config, view darwinView) ([]darwinOp, []Route) {
	subnets, why := darwinLocalSubnets(cfg, view)
	if len(subnets) == 0 {
		return []darwinOp{{Kind: darwinNote, Log: "block-local: local networks stay reachable: " + why}}, nil
	}
	def := view.Paths[darwinDefault4]
	var ops []darwinOp
	if gw := def.Gateway; gw.Is4() {
		ops = append(ops, darwinPinned(Route{Dst: netip.PrefixFrom(gw, 32)}, darwinPath{Iface: def.Iface},
			"block-local: the local gateway stays outside the tunnel"))
	}
	var halves []Route
	for _, p := range subnets {
		lo := netip.PrefixFrom(p.Addr(), p.Bits()+1)
		hi := netip.PrefixFrom(darwinUpperHalf(p), p.Bits()+1)
		halves = append(halves, Route{Dst: lo}, Route{Dst: hi})
	}
	return ops, halves
}

// darwinLocalSubnets lists the IPv4 subnets of the default route's
// interface, or none and the reason there is nothing to block.
func darwinLocalSubnets(cfg Config, view darwinView) ([]netip.Prefix, string) {
	def, ok := view.Paths[darwinDefault4]
	switch {
	case !ok || def.Err != nil || def.Iface == "":
		return nil, "there is no IPv4 default route"
	case def.Local || def.Iface == cfg.Interface:
		return nil, "there is no IPv4 default route outside the tunnel"
	}
	var subnets []netip.Prefix
	for _, a := range view.Addrs[def.Iface] {
		if !a.Addr().Unmap().Is4() || a.Bits() >= 32 {
			continue
		}
		p := netip.PrefixFrom(a.Addr().Unmap(), a.Bits()).Masked()
		if slices.Contains(subnets, p) {
			continue
		}
		for _, s := range cfg.Bypass {
			if p.Contains(s.Unmap()) {
				return nil, fmt.Sprintf("the VPN server %v is on the local network %v", s, p)
			}
		}
		subnets = append(subnets, p)
	}
	if len(subnets) == 0 {
		return nil, "interface " + def.Iface + " has no IPv4 subnet"
	}
	return subnets, ""
}

// darwinUpperHalf is the first address of the upper half of the IPv4
// prefix p.
func darwinUpperHalf(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	a[p.Bits()/8] |= 0x80 >> (p.Bits() % 8)
	return netip.AddrFrom4(a)
}
