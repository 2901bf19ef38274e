package netcfg

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
)

// Blocking the local network (redirect-gateway block-local). def1 leaves
// the LAN reachable because the LAN's on-link route is more specific than
// the two halves of the default route. block-local takes that away as
// OpenVPN does (route.c add_block_local_routes): each IPv4 subnet of the
// interface that carries the default route is split in two halves, one
// bit longer than the subnet's own route and so preferred to it, and both
// halves go into the tunnel. The local gateway keeps an on-link host
// route, so the path to the VPN server (through that gateway) still
// works. When the VPN server itself is on one of those subnets nothing is
// blocked, since blocking would cut the tunnel's own path.

// localBlock is what block-local adds: host routes that keep gateways
// outside the tunnel, on dev, and the halves that go into the tunnel.
type localBlock struct {
	dev      netlink.Link
	gateways []netip.Addr
	halves   []netip.Prefix
}

// planBlockLocal looks up the default route's interface and its subnets.
// It returns a nil plan and a reason when there is nothing to block.
func planBlockLocal(nl netlinkOps, tunLink netlink.Link, servers []netip.Addr) (*localBlock, string, error) {
	defs, err := nl.DefaultRoutes4()
	if err != nil {
		return nil, "", fmt.Errorf("block-local: list default routes: %w", err)
	}
	var def *netlink.Route
	for i := range defs {
		r := &defs[i]
		if r.LinkIndex == 0 || r.LinkIndex == tunLink.Attrs().Index {
			continue
		}
		if def == nil || r.Priority < def.Priority {
			def = r
		}
	}
	if def == nil {
		return nil, "there is no IPv4 default route outside the tunnel", nil
	}
	dev, err := nl.LinkByIndex(def.LinkIndex)
	if err != nil {
		return nil, "", fmt.Errorf("block-local: find the default route's interface: %w", err)
	}
	addrs, err := nl.Addrs4(dev)
	if err != nil {
		return nil, "", fmt.Errorf("block-local: list addresses of %s: %w", dev.Attrs().Name, err)
	}
	b := &localBlock{dev: dev}
	if gw, ok := netip.AddrFromSlice(def.Gw); ok {
		b.gateways = append(b.gateways, gw.Unmap())
	}
	var subnets []netip.Prefix
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok || a.IPNet == nil {
			continue
		}
		bits, _ := a.Mask.Size()
		p := netip.PrefixFrom(ip.Unmap(), bits).Masked()
		if bits >= 32 || slices.Contains(subnets, p) {
			continue
		}
		for _, s := range servers {
			if p.Contains(s.Unmap()) {
				return nil, fmt.Sprintf("the VPN server %v is on the local network %v", s, p), nil
			}
		}
		subnets = append(subnets, p)
	}
	if len(subnets) == 0 {
		return nil, "interface " + dev.Attrs().Name + " has no IPv4 subnet", nil
	}
	for _, p := range subnets {
		lo := netip.PrefixFrom(p.Addr(), p.Bits()+1)
		hi := netip.PrefixFrom(upperHalf(p), p.Bits()+1)
		b.halves = append(b.halves, lo, hi)
	}
	return b, "", nil
}

// upperHalf is the first address of the upper half of p (IPv4).
func upperHalf(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	bit := p.Bits() // index of the first host bit
	a[bit/8] |= 0x80 >> (bit % 8)
	return netip.AddrFrom4(a)
}

// addGatewayBypass adds the on-link host routes that keep the local
// gateways outside the tunnel. It runs with the other outside routes,
// before the tunnel's own.
func (b *localBlock) addGatewayBypass(nl netlinkOps, done *Applied, logf Logf) error {
	for _, gw := range b.gateways {
		r := Route{Dst: netip.PrefixFrom(gw, 32)}
		if err := addVia(nl, b.dev, r, "block-local: the local gateway stays outside the tunnel", done, logf); err != nil {
			return fmt.Errorf("block-local: keep gateway %v outside the tunnel: %w", gw, err)
		}
	}
	return nil
}

// routes are the halves, as routes into the tunnel.
func (b *localBlock) routes() []Route {
	rs := make([]Route, len(b.halves))
	for i, h := range b.halves {
		rs[i] = Route{Dst: h}
	}
	return rs
}
