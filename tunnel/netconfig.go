// Package tunnel joins the OpenVPN engine to the operating system: it maps
// the options a server pushes (and the profile's own routing lines) to the
// typed network configuration package netcfg applies, and keeps what was
// applied so it can be undone. The service's tunnel manager and
// "cvpn connect --foreground" both use it; the engine itself never touches
// the OS, and netcfg never learns about OpenVPN.
package tunnel

import (
	"fmt"
	"net/netip"

	"github.com/cvpn/cvpn/netcfg"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

// The routes redirect-gateway installs. def1 splits the IPv4 default
// route in halves, which are more specific than any default route and so
// win without deleting it (and nothing is left to restore if cvpn dies).
// cvpn always uses the halves: replacing the default route is exactly the
// change that cannot be undone safely. For IPv6, OpenVPN 2.6 routes the
// global unicast and ULA space (route.c:add_route_ipv6 with RG_DEF1).
var (
	def1Routes  = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/1"), netip.MustParsePrefix("128.0.0.0/1")}
	def1Routes6 = []netip.Prefix{netip.MustParsePrefix("::/3"), netip.MustParsePrefix("2000::/4"),
		netip.MustParsePrefix("3000::/4"), netip.MustParsePrefix("fc00::/7")}
)

// NetConfig is the network configuration for the device named dev, given
// what the server pushed, the profile and the link to the server. mtu is
// the device MTU to use when the server pushed none. Warnings list what
// was left out (for example remote_host routes) and what the user should
// know (that IPv6 is blocked).
func NetConfig(dev string, mtu int, opts *push.Options, prof *profile.Profile, link openvpn.Link) (cfg netcfg.Config, warnings []string, err error) {
	cfg = netcfg.Config{Interface: dev, MTU: mtu}
	if opts.TunMTU > 0 {
		cfg.MTU = opts.TunMTU
	}
	if a := opts.IPv4.Address; a.IsValid() {
		cfg.Addresses = append(cfg.Addresses, a)
		if opts.Topology != push.TopologySubnet && opts.IPv4.Peer.IsValid() {
			cfg.PeerV4 = opts.IPv4.Peer
		}
	}
	if a := opts.IPv6.Address; a.IsValid() {
		cfg.Addresses = append(cfg.Addresses, a)
	}
	cfg.DNS, warnings = dnsConfig(opts, prof)
	if prof.Routing.NoExec {
		return cfg, append(warnings, "route-noexec: no routes installed"), nil
	}
	add := func(dst netip.Prefix, gw netip.Addr, metric int) {
		if gw.IsValid() && gw.Is4() != dst.Addr().Is4() {
			gw = netip.Addr{}
		}
		cfg.Routes = append(cfg.Routes, netcfg.Route{Dst: dst.Masked(), Gateway: gw, Metric: metric})
	}
	for _, r := range append(append([]push.Route(nil), opts.Routes...), opts.Routes6...) {
		if r.NetGateway {
			// Resolved by netcfg when it applies cfg.
			cfg.Routes = append(cfg.Routes, netcfg.Route{Dst: r.Prefix.Masked(), NetGateway: true, Metric: metricOf(r, opts.RouteMetric)})
			continue
		}
		add(r.Prefix, r.Gateway, metricOf(r, opts.RouteMetric))
	}
	for _, r := range prof.Routing.Routes {
		dst, gw, warn := profileRoute(r, opts.Gateway4)
		if warn != "" {
			warnings = append(warnings, warn)
			continue
		}
		if r.Gateway == "net_gateway" {
			cfg.Routes = append(cfg.Routes, netcfg.Route{Dst: dst.Masked(), NetGateway: true, Metric: max(r.Metric, 0)})
			continue
		}
		add(dst, gw, max(r.Metric, 0))
	}
	for _, r := range prof.Routing.Routes6 {
		gw := r.Gateway
		if !gw.IsValid() {
			gw = opts.Gateway6
		}
		add(r.Prefix, gw, max(r.Metric, 0))
	}

	rg := prof.Routing.RedirectGateway
	redirect4 := (opts.Redirect.Enabled && opts.Redirect.IPv4) || (rg.IPv4 && !rg.Private)
	// push clears Enabled on "!ipv4", which only cancels the IPv4 part
	// (options.c clears RG_REROUTE_GW alone), so the IPv6 flag stands on
	// its own.
	redirect6 := opts.Redirect.IPv6 || (rg.IPv6 && !rg.Private)
	if redirect4 {
		if !opts.Gateway4.IsValid() {
			warnings = append(warnings, "redirect-gateway: the server pushed no IPv4 gateway; default route not changed")
		} else {
			for _, p := range def1Routes {
				add(p, opts.Gateway4, 0)
			}
		}
	}
	block6, why := blockIPv6(opts, prof, redirect4 && opts.Gateway4.IsValid())
	if block6 {
		var warns []string
		cfg.Routes, warns = withIPv6Blocked(cfg.Routes, why)
		warnings = append(warnings, warns...)
	} else if redirect6 {
		for _, p := range def1Routes6 {
			add(p, opts.Gateway6, 0)
		}
	}
	local := opts.Redirect.Local || rg.Local
	// OpenVPN acts on block-local and bypass-dhcp whenever redirect-gateway
	// or redirect-private is in force (RG_ENABLE), unless the server is
	// declared local; netcfg also skips block-local when it finds the
	// server on a local subnet.
	redirecting := opts.Redirect.Enabled || opts.Redirect.IPv6 || rg.IPv4 || rg.IPv6 || rg.Private
	if redirecting && !local {
		cfg.BlockLocal = opts.Redirect.BlockLocal || rg.BlockLocal
		cfg.BypassDHCP = opts.Redirect.BypassDHCP || rg.BypassDHCP
	}
	cfg.BlockOutsideDNS = opts.BlockOutsideDNS || prof.DNS.BlockOutsideDNS
	// A server reached over IPv6 must stay reachable when IPv6 is blocked.
	bypass := redirect4 || redirect6 || (block6 && link.Remote.Addr().Unmap().Is6())
	if bypass && !local && link.Remote.IsValid() {
		// Keep the server itself reachable outside the tunnel.
		cfg.Bypass = append(cfg.Bypass, link.Remote.Addr())
	}
	if err := cfg.Validate(); err != nil {
		return cfg, warnings, err
	}
	return cfg, warnings, nil
}

func metricOf(r push.Route, def int) int {
	if r.HasMetric {
		return r.Metric
	}
	return def
}

// profileRoute resolves a profile "route" line against the pushed gateway.
// Host names are not resolved (a stock client would); they are skipped
// with a warning.
func profileRoute(r profile.Route, vpnGW netip.Addr) (netip.Prefix, netip.Addr, string) {
	addr, err := netip.ParseAddr(r.Network)
	if err != nil || !addr.Is4() {
		return netip.Prefix{}, netip.Addr{}, fmt.Sprintf("route %s (line %d) not installed: only IPv4 addresses are supported", r.Network, r.Line)
	}
	bits := 32
	if r.Netmask.IsValid() {
		b := r.Netmask.As4()
		bits = 0
		for _, x := range b {
			for i := 7; i >= 0 && x&(1<<i) != 0; i-- {
				bits++
			}
		}
	}
	gw := vpnGW
	switch r.Gateway {
	case "", "vpn_gateway":
	case "net_gateway":
		gw = netip.Addr{} // looked up by netcfg when it applies the route
	case "remote_host":
		return netip.Prefix{}, netip.Addr{}, fmt.Sprintf("route %s via %s (line %d) not installed (not supported yet)", r.Network, r.Gateway, r.Line)
	default:
		if gw, err = netip.ParseAddr(r.Gateway); err != nil {
			return netip.Prefix{}, netip.Addr{}, fmt.Sprintf("route %s (line %d): gateway %q is not an address", r.Network, r.Line, r.Gateway)
		}
	}
	return netip.PrefixFrom(addr, bits), gw, ""
}
