package netcfg

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Routes that do not point into the tunnel: the ones that keep a
// destination on the path it has now (the server's bypass, net_gateway
// routes), and the unreachable routes that block a family. The first kind
// is looked up before the tunnel's own routes exist, or the lookup would
// find the tunnel.

// currentPath is the interface and gateway the kernel uses for dst now.
// skip is non-empty when there is nothing to keep: dst is a local address,
// or its path already is the tunnel.
func currentPath(nl netlinkOps, tunLink netlink.Link, dst netip.Addr) (link netlink.Link, gw netip.Addr, skip string, err error) {
	rs, err := nl.RouteGet(dst.AsSlice())
	if err != nil || len(rs) == 0 {
		if err == nil {
			err = syscall.ENETUNREACH
		}
		return nil, gw, "", fmt.Errorf("look up current route to %v: %w", dst, err)
	}
	cur := rs[0]
	if cur.LinkIndex == tunLink.Attrs().Index {
		return nil, gw, "it already goes through " + tunLink.Attrs().Name, nil
	}
	link, err = nl.LinkByIndex(cur.LinkIndex)
	if err != nil {
		return nil, gw, "", fmt.Errorf("look up interface of route to %v: %w", dst, err)
	}
	if link.Type() == "device" && link.Attrs().Flags&net.FlagLoopback != 0 {
		return nil, gw, "it is a local address", nil
	}
	if g, ok := netip.AddrFromSlice(cur.Gw); ok {
		gw = g.Unmap()
	}
	return link, gw, "", nil
}

// addVia adds r (Dst, Gateway, Metric) on link and records it. A route
// that exists already is reported, never taken over: a route cvpn did
// not add is not its to remove on disconnect.
func addVia(nl netlinkOps, link netlink.Link, r Route, why string, done *Applied, logf Logf) error {
	name := link.Attrs().Name
	nr := &netlink.Route{LinkIndex: link.Attrs().Index, Dst: prefixNet(r.Dst), Priority: r.Metric}
	if r.Gateway.IsValid() {
		nr.Gw = r.Gateway.AsSlice()
	}
	if err := nl.RouteAdd(nr); err != nil {
		if errors.Is(err, syscall.EEXIST) {
			logf.printf("route %v dev %s already exists; leaving it in place", r.Dst, name)
			return nil
		}
		return err
	}
	done.Routes = append(done.Routes, AppliedRoute{Route: r, Device: name})
	logf.printf("route %v dev %s (%s)", r, name, why)
	return nil
}

// addNetGateway adds a net_gateway route: Dst through the interface and
// gateway the system uses for it now, as the concrete route, so Revert
// removes exactly that. When there is no such path (no default route),
// the route is left out with a log line, as OpenVPN does, rather than
// failing the tunnel.
func addNetGateway(nl netlinkOps, tunLink netlink.Link, r Route, done *Applied, logf Logf) error {
	dst := r.Dst.Masked()
	link, gw, skip, err := currentPath(nl, tunLink, dst.Addr())
	if err != nil {
		logf.printf("route %v via net_gateway not added: %v", dst, err)
		return nil
	}
	if skip != "" {
		logf.printf("route %v via net_gateway not added: %s", dst, skip)
		return nil
	}
	concrete := Route{Dst: dst, Gateway: gw, Metric: r.Metric}
	if err := addVia(nl, link, concrete, "net_gateway, outside the tunnel", done, logf); err != nil {
		return fmt.Errorf("add route %v via net_gateway: %w", dst, err)
	}
	return nil
}

// unreachableRoute is the kernel form of an Unreachable route: no device;
// the kernel fails senders' connects and sends at once (EHOSTUNREACH for
// IPv6) and answers forwarded packets with ICMP unreachable.
func unreachableRoute(r Route) *netlink.Route {
	return &netlink.Route{Dst: prefixNet(r.Dst.Masked()), Priority: r.Metric, Type: unix.RTN_UNREACHABLE}
}

// addUnreachable adds a blocking route and records it. It is not tied to
// the tunnel device, so it outlives a crash: the record is what removes it.
func addUnreachable(nl netlinkOps, r Route, done *Applied, logf Logf) error {
	if err := nl.RouteAdd(unreachableRoute(r)); err != nil {
		if errors.Is(err, syscall.EEXIST) {
			logf.printf("route %v already exists; leaving the existing one in place", r)
			return nil
		}
		return fmt.Errorf("add route %v: %w", r, err)
	}
	done.Routes = append(done.Routes, AppliedRoute{Route: r})
	logf.printf("route %v (blocked while connected)", r)
	return nil
}

func delUnreachable(nl netlinkOps, r Route, logf Logf) error {
	if err := nl.RouteDel(unreachableRoute(r)); err != nil && !gone(err) {
		return fmt.Errorf("remove route %v: %w", r, err)
	}
	logf.printf("removed route %v", r)
	return nil
}
