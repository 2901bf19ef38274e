package netcfg

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"syscall"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Apply configures the device and routes described by cfg through netlink.
// It either applies all of cfg or, on failure, undoes what it did and
// returns the error: the network is never left half configured.
func Apply(cfg Config, logf Logf) (*Applied, error) {
	nl, done := openSystem()
	defer done()
	return applyWith(nl, cfg, logf)
}

// Revert removes what Apply recorded, newest first. Things already gone —
// for example everything on a TUN device that closed — are not errors.
func Revert(a *Applied, logf Logf) error {
	nl, done := openSystem()
	defer done()
	return revertWith(nl, a, logf)
}

func applyWith(nl netlinkOps, cfg Config, logf Logf) (*Applied, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	link, err := nl.LinkByName(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("apply network config: find interface %s: %w", cfg.Interface, err)
	}
	done := &Applied{Interface: cfg.Interface}
	err = apply(nl, link, cfg, done, logf)
	if err == nil {
		err = applyDNS(systemResolvConf, cfg, done, logf) // last: routes to the servers exist
	}
	if err != nil {
		if rerr := revertWith(nl, done, logf); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return nil, err
	}
	return done, nil
}

func apply(nl netlinkOps, link netlink.Link, cfg Config, done *Applied, logf Logf) error {
	name := cfg.Interface
	if cfg.MTU != 0 {
		if err := nl.LinkSetMTU(link, cfg.MTU); err != nil {
			return fmt.Errorf("set mtu %d on %s: %w", cfg.MTU, name, err)
		}
	}
	for _, a := range cfg.Addresses {
		addr := &netlink.Addr{IPNet: prefixNet(a)}
		if a.Addr().Is4() && cfg.PeerV4.IsValid() {
			addr.IPNet = prefixNet(netip.PrefixFrom(a.Addr(), 32))
			addr.Peer = prefixNet(netip.PrefixFrom(cfg.PeerV4, 32))
		}
		if a.Addr().Is6() {
			addr.Flags = nodadFlag // the tunnel has no neighbours to collide with
		}
		if err := nl.AddrAdd(link, addr); err != nil {
			return fmt.Errorf("add address %v to %s: %w", a, name, err)
		}
		done.Addresses = append(done.Addresses, a)
		logf.printf("address %v on %s", a, name)
	}
	if err := nl.LinkSetUp(link); err != nil {
		return fmt.Errorf("bring %s up: %w", name, err)
	}
	// Bypass routes first: once the tunnel's routes exist, looking up the
	// server's current path would find the tunnel itself.
	for _, dst := range cfg.Bypass {
		if err := addBypass(nl, link, dst, done, logf); err != nil {
			return err
		}
	}
	for _, r := range cfg.Routes { // the same holds for net_gateway routes
		if r.NetGateway {
			if err := addNetGateway(nl, link, r, done, logf); err != nil {
				return err
			}
		}
	}
	routes := cfg.Routes
	if cfg.BlockLocal {
		b, why, err := planBlockLocal(nl, link, cfg.Bypass)
		if err != nil {
			return err
		}
		if b == nil {
			logf.printf("block-local: local networks stay reachable: %s", why)
		} else {
			if err := b.addGatewayBypass(nl, done, logf); err != nil {
				return err
			}
			routes = append(slices.Clip(routes), b.routes()...)
		}
	}
	for _, r := range routes {
		if r.NetGateway {
			continue
		}
		if r.Unreachable {
			if err := addUnreachable(nl, r, done, logf); err != nil {
				return err
			}
			continue
		}
		nr := &netlink.Route{LinkIndex: link.Attrs().Index, Dst: prefixNet(r.Dst.Masked()), Priority: r.Metric}
		if r.Gateway.IsValid() {
			nr.Gw = r.Gateway.AsSlice()
		}
		if err := nl.RouteAdd(nr); err != nil {
			if errors.Is(err, syscall.EEXIST) {
				logf.printf("route %v already exists; leaving the existing one in place", r)
				continue
			}
			return fmt.Errorf("add route %v via %s: %w", r, name, err)
		}
		done.Routes = append(done.Routes, AppliedRoute{Route: r, Device: name})
		logf.printf("route %v dev %s", r, name)
	}
	return nil
}

// addBypass pins dst to the path it has now, as a host route.
func addBypass(nl netlinkOps, tunLink netlink.Link, dst netip.Addr, done *Applied, logf Logf) error {
	l, gw, skip, err := currentPath(nl, tunLink, dst)
	if err != nil {
		return err
	}
	if skip != "" {
		return nil // nothing to preserve
	}
	host := Route{Dst: netip.PrefixFrom(dst, dst.BitLen()), Gateway: gw}
	if err := addVia(nl, l, host, "server stays outside the tunnel", done, logf); err != nil {
		return fmt.Errorf("keep route to server %v outside the tunnel: %w", dst, err)
	}
	return nil
}

func revertWith(nl netlinkOps, a *Applied, logf Logf) error {
	var errs []error
	if err := revertDNS(a, logf); err != nil { // first: the reverse of Apply
		errs = append(errs, err)
	}
	for i := len(a.Routes) - 1; i >= 0; i-- {
		r := a.Routes[i]
		if r.Unreachable {
			if err := delUnreachable(nl, r.Route, logf); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		link, err := nl.LinkByName(r.Device)
		if err != nil {
			continue // the interface is gone and its routes with it
		}
		nr := &netlink.Route{LinkIndex: link.Attrs().Index, Dst: prefixNet(r.Dst.Masked()), Priority: r.Metric}
		if r.Gateway.IsValid() {
			nr.Gw = r.Gateway.AsSlice()
		}
		if err := nl.RouteDel(nr); err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("remove route %v dev %s: %w", r.Route, r.Device, err))
			continue
		}
		logf.printf("removed route %v dev %s", r.Route, r.Device)
	}
	if link, err := nl.LinkByName(a.Interface); err == nil {
		for i := len(a.Addresses) - 1; i >= 0; i-- {
			addr := &netlink.Addr{IPNet: prefixNet(a.Addresses[i])}
			if err := nl.AddrDel(link, addr); err != nil && !gone(err) {
				// A p2p address was added as a /32 with a peer.
				addr.IPNet = prefixNet(netip.PrefixFrom(a.Addresses[i].Addr(), a.Addresses[i].Addr().BitLen()))
				if err2 := nl.AddrDel(link, addr); err2 != nil && !gone(err2) {
					errs = append(errs, fmt.Errorf("remove address %v from %s: %w", a.Addresses[i], a.Interface, err))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func gone(err error) bool {
	return errors.Is(err, syscall.ESRCH) || errors.Is(err, syscall.ENODEV) ||
		errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.ENOENT)
}

func prefixNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

const nodadFlag = 0x02 // IFA_F_NODAD

// netlinkOps are the netlink calls the Linux layer makes. The system's
// are the real ones; tests replace them with a recorder and compare the
// calls a configuration makes with golden files.
type netlinkOps interface {
	LinkByName(name string) (netlink.Link, error)
	LinkByIndex(index int) (netlink.Link, error)
	LinkSetMTU(link netlink.Link, mtu int) error
	LinkSetUp(link netlink.Link) error
	AddrAdd(link netlink.Link, addr *netlink.Addr) error
	AddrDel(link netlink.Link, addr *netlink.Addr) error
	RouteAdd(route *netlink.Route) error
	RouteDel(route *netlink.Route) error
	RouteGet(dst net.IP) ([]netlink.Route, error)
	// DefaultRoutes4 lists the IPv4 default routes of the main table.
	DefaultRoutes4() ([]netlink.Route, error)
	// Addrs4 lists the IPv4 addresses of link.
	Addrs4(link netlink.Link) ([]netlink.Addr, error)
	// RoutesTo lists the main table's routes to exactly dst, of every
	// type.
	RoutesTo(dst netip.Prefix) ([]netlink.Route, error)
}

// systemNetlink calls the kernel through a netlink handle. The zero
// handle, which the long-lived watchers use, opens and closes a socket for
// every request (about ten system calls each); Apply and Revert make a
// dozen requests or more in a row, and use one socket for all of them
// (openSystem), which shortens a connect by about a millisecond.
type systemNetlink struct{ h *netlink.Handle }

var system netlinkOps = systemNetlink{h: &netlink.Handle{}}

// openSystem returns netlink calls that share one socket, and the function
// that closes it. If the socket cannot be opened the calls open their own,
// as before.
func openSystem() (netlinkOps, func()) {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return system, func() {}
	}
	return systemNetlink{h: h}, h.Close
}

func (s systemNetlink) LinkByName(name string) (netlink.Link, error) { return s.h.LinkByName(name) }
func (s systemNetlink) LinkByIndex(index int) (netlink.Link, error)  { return s.h.LinkByIndex(index) }
func (s systemNetlink) LinkSetMTU(l netlink.Link, mtu int) error     { return s.h.LinkSetMTU(l, mtu) }
func (s systemNetlink) LinkSetUp(l netlink.Link) error               { return s.h.LinkSetUp(l) }
func (s systemNetlink) AddrAdd(l netlink.Link, a *netlink.Addr) error {
	return s.h.AddrAdd(l, a)
}
func (s systemNetlink) AddrDel(l netlink.Link, a *netlink.Addr) error {
	return s.h.AddrDel(l, a)
}
func (s systemNetlink) RouteAdd(r *netlink.Route) error              { return s.h.RouteAdd(r) }
func (s systemNetlink) RouteDel(r *netlink.Route) error              { return s.h.RouteDel(r) }
func (s systemNetlink) RouteGet(dst net.IP) ([]netlink.Route, error) { return s.h.RouteGet(dst) }
func (s systemNetlink) Addrs4(l netlink.Link) ([]netlink.Addr, error) {
	return s.h.AddrList(l, netlink.FAMILY_V4)
}
func (s systemNetlink) DefaultRoutes4() ([]netlink.Route, error) {
	all, err := s.h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, err
	}
	var defs []netlink.Route
	for _, r := range all {
		if r.Dst == nil || isZeroMask(r.Dst.Mask) {
			defs = append(defs, r)
		}
	}
	return defs, nil
}

func (s systemNetlink) RoutesTo(dst netip.Prefix) ([]netlink.Route, error) {
	family := netlink.FAMILY_V4
	if dst.Addr().Is6() {
		family = netlink.FAMILY_V6
	}
	return s.h.RouteListFiltered(family, &netlink.Route{Dst: prefixNet(dst), Table: unix.RT_TABLE_MAIN},
		netlink.RT_FILTER_DST|netlink.RT_FILTER_TABLE)
}

func isZeroMask(m net.IPMask) bool {
	ones, _ := m.Size()
	return ones == 0
}
