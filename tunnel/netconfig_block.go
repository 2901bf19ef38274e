package tunnel

import (
	"fmt"
	"net/netip"

	"github.com/cvpn/cvpn/netcfg"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

// Blocking IPv6. A full tunnel that carries IPv4 only leaks: a dual-stack
// host keeps sending everything that has an IPv6 address (most of the big
// sites) around the VPN. So while IPv4 is redirected and the server gave
// no IPv6, and always when block-ipv6 is pushed or in the profile, cvpn
// makes global IPv6 unreachable.
//
// OpenVPN 2.6's block-ipv6 only answers IPv6 packets that reach the tun
// device with ICMPv6 "no route" (forward.c, PIPV6_ICMP_NOHOST_CLIENT); the
// routes that bring them there come from "redirect-gateway ipv6" and need
// an IPv6 address on the device. cvpn instead installs kernel
// "unreachable" routes for the prefixes redirect-gateway ipv6 would send
// into the tunnel (def1Routes6: ::/3, 2000::/4, 3000::/4, fc00::/7). The
// effect is the same — a connect fails at once with "no route to host" —
// without an IPv6 address on the device, and it does not depend on the
// engine. The routes are not tied to the device, so a crash leaves them
// in place: the recorded Applied is what removes them (Recover).
//
// What stays reachable: link-local (fe80::/10) and multicast (ff00::/8),
// which the prefixes do not cover, and every more specific route the
// host already has — the LAN's own IPv6 prefixes (global or ULA), just as
// def1 leaves the IPv4 LAN reachable. The VPN server itself, when reached
// over IPv6, keeps its path through the bypass host route.

// blockIPv6 reports whether IPv6 is blocked while connected, and why in
// words for the user. redirected4 says IPv4 is being sent into the tunnel.
func blockIPv6(opts *push.Options, prof *profile.Profile, redirected4 bool) (bool, string) {
	switch {
	case opts.BlockIPv6:
		return true, "the server pushed block-ipv6"
	case prof.Routing.BlockIPv6:
		return true, "the profile says block-ipv6"
	case redirected4 && !opts.IPv6.Address.IsValid():
		return true, "all IPv4 goes through the tunnel and the server gave no IPv6"
	}
	return false, ""
}

// withIPv6Blocked replaces every IPv6 route into the tunnel with the
// unreachable routes: blocked traffic must not go anywhere, including the
// tunnel (block-ipv6 refuses what reaches the device). net_gateway
// routes, which leave outside the tunnel on purpose, are kept.
func withIPv6Blocked(routes []netcfg.Route, why string) ([]netcfg.Route, []string) {
	out := routes[:0:0]
	var dropped []netip.Prefix
	for _, r := range routes {
		if r.Dst.Addr().Is6() && !r.NetGateway && !r.Unreachable {
			dropped = append(dropped, r.Dst)
			continue
		}
		out = append(out, r)
	}
	for _, p := range def1Routes6 {
		out = append(out, netcfg.Route{Dst: p, Unreachable: true})
	}
	warnings := []string{fmt.Sprintf("IPv6 is blocked while connected (%s): only link-local and local-network IPv6 stays reachable", why)}
	if len(dropped) > 0 {
		warnings = append(warnings, fmt.Sprintf("IPv6 routes %v not installed: IPv6 is blocked", dropped))
	}
	return out, warnings
}
