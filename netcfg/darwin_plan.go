package netcfg

// The macOS network layer, as data. This file has no build tag so that its
// tests run on any machine: it turns a Config and a small view of the
// system (the path each bypass and net_gateway destination takes now) into
// an ordered plan, and runs a plan against the darwinSystem interface.
// routes_darwin.go supplies the real system: an AF_ROUTE socket
// (golang.org/x/net/route) for routes, /sbin/ifconfig for addresses and
// MTU, /usr/sbin/scutil for DNS (whose script darwin_dns.go writes).
//
//	Config ─┐
//	        ├─▶ planDarwinApply ─▶ []darwinOp ─▶ runDarwinPlan ─▶ Applied
//	view  ──┘                                        │ (on failure:
//	Applied ───▶ planDarwinRevert ─▶ []darwinOp ─────┘  revert what was done)
//
// NOTE: this layer is golden-tested on Linux only; it has never run on a
// real Mac. The ifconfig syntax, the routing-socket messages and the
// scutil keys follow macOS's route(8), ifconfig(8), wg-quick and
// vpnc-script, but are untested against a real kernel and configd.

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"syscall"
)

// Route flags, with the values of macOS's <net/route.h>; routes_darwin.go
// checks them against golang.org/x/sys/unix at compile time.
const (
	darwinRTFUp      = 0x1
	darwinRTFGateway = 0x2
	darwinRTFHost    = 0x4
	darwinRTFReject  = 0x8
	darwinRTFStatic  = 0x800
)

// darwinOpKind is what a darwinOp does.
type darwinOpKind int

const (
	darwinNote     darwinOpKind = iota // log a line, change nothing
	darwinCommand                      // run Argv (ifconfig)
	darwinRouteAdd                     // RTM_ADD Route
	darwinRouteDel                     // RTM_DELETE Route
	darwinSCUtil                       // run scutil with Stdin; checkpoint first
)

// darwinRoute is one routing-socket message, as data: RTAX_DST is Dst's
// address, RTAX_NETMASK its mask (absent with RTF_HOST), and RTAX_GATEWAY
// either Gateway (with RTF_GATEWAY) or, for an interface route, the
// link-level address (sockaddr_dl) of Iface. A link-local Gateway is
// scoped to Iface.
type darwinRoute struct {
	Dst     netip.Prefix
	Gateway netip.Addr
	Iface   string
	Flags   int
}

func (r darwinRoute) String() string {
	s := "-inet " + r.Dst.String()
	if r.Dst.Addr().Is6() {
		s = "-inet6 " + r.Dst.String()
	}
	switch {
	case r.Gateway.IsValid() && r.Iface != "":
		s += " gateway " + r.Gateway.String() + "%" + r.Iface
	case r.Gateway.IsValid():
		s += " gateway " + r.Gateway.String()
	case r.Iface != "":
		s += " interface " + r.Iface
	}
	var fl []string
	for _, f := range []struct {
		bit  int
		name string
	}{{darwinRTFUp, "UP"}, {darwinRTFGateway, "GATEWAY"}, {darwinRTFHost, "HOST"}, {darwinRTFStatic, "STATIC"}, {darwinRTFReject, "REJECT"}} {
		if r.Flags&f.bit != 0 {
			fl = append(fl, f.name)
		}
	}
	return s + " flags " + strings.Join(fl, "|")
}

// darwinOp is one step of a plan. On success its record (Address, Route
// or DNS) is added to the Applied record and Log is printed; a route add
// that finds the route there already prints Exists instead and records
// nothing — a route cvpn did not add is not its to remove.
type darwinOp struct {
	Kind   darwinOpKind
	Argv   []string
	Stdin  string
	Route  darwinRoute
	Log    string
	Exists string

	Address *netip.Prefix
	Applied *AppliedRoute
	DNS     *AppliedDNS
}

func (op darwinOp) String() string {
	switch op.Kind {
	case darwinNote:
		return "# " + op.Log
	case darwinCommand:
		return strings.Join(op.Argv, " ")
	case darwinRouteAdd:
		return "RTM_ADD " + op.Route.String()
	case darwinRouteDel:
		return "RTM_DELETE " + op.Route.String()
	case darwinSCUtil:
		return "scutil <<EOF\n" + op.Stdin + "EOF"
	}
	return fmt.Sprintf("op %d", op.Kind)
}

// darwinPath is the path the system uses for a destination before the
// tunnel's routes exist, as an RTM_GET answers it.
type darwinPath struct {
	Iface   string
	Gateway netip.Addr // invalid: on-link
	Local   bool       // a local address (lo0, RTF_LOCAL)
	Err     error      // no route
}

// darwinView is what the planner needs to know of the system: the
// current path to each bypass address and each net_gateway destination
// (and, for block-local, to 0.0.0.0: the default route), and the IPv4
// addresses of the default route's interface for block-local.
// newDarwinView fills it.
type darwinView struct {
	Paths map[netip.Addr]darwinPath
	Addrs map[string][]netip.Prefix
}

// darwinLookups lists the addresses whose current path planDarwinApply
// needs in the view.
func darwinLookups(cfg Config) []netip.Addr {
	var as []netip.Addr
	as = append(as, cfg.Bypass...)
	for _, r := range cfg.Routes {
		if r.NetGateway {
			as = append(as, r.Dst.Masked().Addr())
		}
	}
	if cfg.BlockLocal {
		as = append(as, darwinDefault4)
	}
	return as
}

const (
	darwinSCUtilMode = "scutil"
	darwinIfconfig   = "/sbin/ifconfig"
)

// darwinServiceID names the dynamic-store service cvpn creates for iface.
func darwinServiceID(iface string) string { return "cvpn-" + iface }

// planDarwinApply is the plan that applies cfg, in the order of the Linux
// layer: MTU, addresses, up; bypass and net_gateway routes (looked up
// before the tunnel's routes exist), with block-local's gateway; the
// tunnel's routes, with block-local's halves; DNS last.
func planDarwinApply(cfg Config, view darwinView) ([]darwinOp, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	name := cfg.Interface
	var ops []darwinOp
	if cfg.MTU != 0 {
		ops = append(ops, darwinOp{Kind: darwinCommand, Argv: []string{darwinIfconfig, name, "mtu", fmt.Sprint(cfg.MTU)}})
	}
	var subnets []darwinOp
	for _, a := range cfg.Addresses {
		var argv []string
		switch {
		case a.Addr().Is4() && cfg.PeerV4.IsValid():
			// Point-to-point: the kernel adds the host route to the peer.
			argv = []string{darwinIfconfig, name, "inet", netip.PrefixFrom(a.Addr(), 32).String(), cfg.PeerV4.String(), "alias"}
		case a.Addr().Is4():
			// A utun is point-to-point: the destination is the address
			// itself (as wg-quick and OpenVPN do), and the subnet gets a
			// route of its own below, which also makes the in-tunnel
			// gateways reachable.
			argv = []string{darwinIfconfig, name, "inet", a.String(), a.Addr().String(), "alias"}
		default:
			argv = []string{darwinIfconfig, name, "inet6", a.String(), "alias"}
		}
		ops = append(ops, darwinOp{Kind: darwinCommand, Argv: argv, Address: &a, Log: fmt.Sprintf("address %v on %s", a, name)})
		if a.Addr().Is4() && cfg.PeerV4.IsValid() || a.Bits() == a.Addr().BitLen() {
			continue
		}
		sub := Route{Dst: a.Masked()}
		subnets = append(subnets, darwinOp{Kind: darwinRouteAdd,
			Route:   darwinRoute{Dst: sub.Dst, Iface: name, Flags: darwinRTFUp | darwinRTFStatic},
			Applied: &AppliedRoute{Route: sub, Device: name},
			Log:     fmt.Sprintf("route %v dev %s (the tunnel's subnet)", sub, name),
			Exists:  fmt.Sprintf("route %v already exists; leaving the existing one in place", sub)})
	}
	ops = append(ops, darwinOp{Kind: darwinCommand, Argv: []string{darwinIfconfig, name, "up"}})
	ops = append(ops, subnets...)

	for _, dst := range cfg.Bypass {
		p, ok := view.Paths[dst]
		if !ok || p.Err != nil {
			err := p.Err
			if !ok {
				err = syscall.ENETUNREACH
			}
			return nil, fmt.Errorf("look up current route to %v: %w", dst, err)
		}
		if p.Local || p.Iface == name {
			continue // nothing to preserve
		}
		host := Route{Dst: netip.PrefixFrom(dst, dst.BitLen()), Gateway: p.Gateway}
		ops = append(ops, darwinPinned(host, p, "server stays outside the tunnel"))
	}
	for _, r := range cfg.Routes {
		if !r.NetGateway {
			continue
		}
		dst := r.Dst.Masked()
		p, ok := view.Paths[dst.Addr()]
		switch {
		case !ok || p.Err != nil:
			err := p.Err
			if !ok {
				err = syscall.ENETUNREACH
			}
			ops = append(ops, darwinOp{Kind: darwinNote, Log: fmt.Sprintf("route %v via net_gateway not added: look up current route to %v: %v", dst, dst.Addr(), err)})
		case p.Iface == name:
			ops = append(ops, darwinOp{Kind: darwinNote, Log: fmt.Sprintf("route %v via net_gateway not added: it already goes through %s", dst, name)})
		case p.Local:
			ops = append(ops, darwinOp{Kind: darwinNote, Log: fmt.Sprintf("route %v via net_gateway not added: it is a local address", dst)})
		default:
			concrete := Route{Dst: dst, Gateway: p.Gateway, Metric: r.Metric}
			if r.Metric != 0 {
				ops = append(ops, darwinOp{Kind: darwinNote, Log: fmt.Sprintf("route %v: macOS routes have no metric; ignored", concrete)})
			}
			ops = append(ops, darwinPinned(concrete, p, "net_gateway, outside the tunnel"))
		}
	}
	routes := cfg.Routes
	if cfg.BlockLocal {
		keep, halves := planDarwinBlockLocal(cfg, view)
		ops = append(ops, keep...)
		routes = append(slices.Clip(routes), halves...)
	}
	for _, r := range routes {
		if r.NetGateway {
			continue
		}
		r.Dst = r.Dst.Masked()
		if r.Metric != 0 {
			ops = append(ops, darwinOp{Kind: darwinNote, Log: fmt.Sprintf("route %v: macOS routes have no metric; ignored", r)})
		}
		if r.Unreachable {
			ops = append(ops, darwinOp{Kind: darwinRouteAdd, Route: darwinUnreachable(r),
				Applied: &AppliedRoute{Route: r},
				Log:     fmt.Sprintf("route %v (blocked while connected)", r),
				Exists:  fmt.Sprintf("route %v already exists; leaving the existing one in place", r)})
			continue
		}
		ops = append(ops, darwinOp{Kind: darwinRouteAdd, Route: darwinTunnelRoute(r, name),
			Applied: &AppliedRoute{Route: r, Device: name},
			Log:     fmt.Sprintf("route %v dev %s", r, name),
			Exists:  fmt.Sprintf("route %v already exists; leaving the existing one in place", r)})
	}
	if cfg.DNS != nil {
		ops = append(ops, darwinDNSOp(cfg))
	}
	return ops, nil
}

// darwinPinned adds r on the path p the destination takes now.
func darwinPinned(r Route, p darwinPath, why string) darwinOp {
	dr := darwinRoute{Dst: r.Dst, Flags: darwinRTFUp | darwinRTFStatic}
	if r.Gateway.IsValid() {
		dr.Gateway, dr.Flags = r.Gateway, dr.Flags|darwinRTFGateway
		if r.Gateway.Is6() && r.Gateway.IsLinkLocalUnicast() {
			dr.Iface = p.Iface // a link-local next hop means nothing without its link
		}
	} else {
		dr.Iface = p.Iface
	}
	if r.Dst.IsSingleIP() {
		dr.Flags |= darwinRTFHost
	}
	return darwinOp{Kind: darwinRouteAdd, Route: dr,
		Applied: &AppliedRoute{Route: r, Device: p.Iface},
		Log:     fmt.Sprintf("route %v dev %s (%s)", r, p.Iface, why),
		Exists:  fmt.Sprintf("route %v dev %s already exists; leaving it in place", r.Dst, p.Iface)}
}

// darwinTunnelRoute is a route into the tunnel: through its in-tunnel
// gateway (reachable through the subnet route) as OpenVPN does on macOS,
// or, on-link, through the interface itself.
func darwinTunnelRoute(r Route, iface string) darwinRoute {
	dr := darwinRoute{Dst: r.Dst, Flags: darwinRTFUp | darwinRTFStatic}
	if r.Gateway.IsValid() {
		dr.Gateway, dr.Flags = r.Gateway, dr.Flags|darwinRTFGateway
	} else {
		dr.Iface = iface
	}
	if r.Dst.IsSingleIP() {
		dr.Flags |= darwinRTFHost
	}
	return dr
}

// darwinUnreachable is macOS's form of an Unreachable route, as
// `route add -reject DST ::1` makes it: RTF_REJECT through the loopback
// address, so senders get EHOSTUNREACH at once.
func darwinUnreachable(r Route) darwinRoute {
	lo := netip.IPv6Loopback()
	if r.Dst.Addr().Is4() {
		lo = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	dr := darwinRoute{Dst: r.Dst, Gateway: lo, Flags: darwinRTFUp | darwinRTFGateway | darwinRTFStatic | darwinRTFReject}
	if r.Dst.IsSingleIP() {
		dr.Flags |= darwinRTFHost
	}
	return dr
}

// planDarwinRevert is the plan that undoes a: DNS first, then routes and
// addresses newest first.
func planDarwinRevert(a *Applied) []darwinOp {
	var ops []darwinOp
	if a.DNS != nil && a.DNS.Mode == darwinSCUtilMode {
		id := a.DNS.Link
		script := fmt.Sprintf("remove State:/Network/Service/%[1]s/DNS\nremove State:/Network/Service/%[1]s/IPv4\nremove State:/Network/Service/%[1]s/IPv6\nquit\n", id)
		ops = append(ops, darwinOp{Kind: darwinSCUtil, Stdin: script, Log: "removed dns service " + id})
	}
	for i := len(a.Routes) - 1; i >= 0; i-- {
		r := a.Routes[i]
		var dr darwinRoute
		switch {
		case r.Unreachable:
			dr = darwinUnreachable(r.Route)
		case r.Device == a.Interface:
			dr = darwinTunnelRoute(r.Route, r.Device)
		default:
			dr = darwinPinned(r.Route, darwinPath{Iface: r.Device, Gateway: r.Gateway}, "").Route
		}
		log := fmt.Sprintf("removed route %v", r.Route)
		if r.Device != "" {
			log += " dev " + r.Device
		}
		ops = append(ops, darwinOp{Kind: darwinRouteDel, Route: dr, Log: log})
	}
	for i := len(a.Addresses) - 1; i >= 0; i-- {
		p := a.Addresses[i]
		fam := "inet"
		if p.Addr().Is6() {
			fam = "inet6"
		}
		ops = append(ops, darwinOp{Kind: darwinCommand, Argv: []string{darwinIfconfig, a.Interface, fam, p.Addr().String(), "-alias"},
			Log: fmt.Sprintf("removed address %v from %s", p, a.Interface)})
	}
	return ops
}

// darwinSystem is what running a plan needs of macOS; routes_darwin.go has
// the real one, tests a recorder.
type darwinSystem interface {
	// AddRoute and DeleteRoute send RTM_ADD and RTM_DELETE; errors are
	// the kernel's errnos (EEXIST, ESRCH).
	AddRoute(r darwinRoute) error
	DeleteRoute(r darwinRoute) error
	// Run runs argv with stdin, returning its combined output.
	Run(argv []string, stdin string) ([]byte, error)
}

// errDarwinGone marks a command failure that means the thing to remove is
// already gone.
var errDarwinGone = errors.New("already gone")

// runDarwinPlan runs ops in order, recording into done what each did.
// With revert set, things already gone are not errors and every op is
// tried; otherwise the first failure stops the run.
func runDarwinPlan(sys darwinSystem, ops []darwinOp, done *Applied, checkpoint func(*Applied) error, revert bool, logf Logf) error {
	var errs []error
	for _, op := range ops {
		err := runDarwinOp(sys, op, done, checkpoint, logf)
		if err == nil {
			continue
		}
		if revert && (errors.Is(err, errDarwinGone) || darwinGone(err)) {
			logf.printf("%s: already gone", op.String())
			continue
		}
		if !revert {
			return err
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func runDarwinOp(sys darwinSystem, op darwinOp, done *Applied, checkpoint func(*Applied) error, logf Logf) error {
	switch op.Kind {
	case darwinNote:
		logf.printf("%s", op.Log)
		return nil
	case darwinRouteAdd:
		if err := sys.AddRoute(op.Route); err != nil {
			if errors.Is(err, syscall.EEXIST) {
				logf.printf("%s", op.Exists)
				return nil
			}
			return fmt.Errorf("add route %v: %w", op.Route, err)
		}
	case darwinRouteDel:
		if err := sys.DeleteRoute(op.Route); err != nil {
			return fmt.Errorf("remove route %v: %w", op.Route, err)
		}
	case darwinCommand, darwinSCUtil:
		if op.Kind == darwinSCUtil && op.DNS != nil && checkpoint != nil {
			// The record must be on disk before configd holds keys only
			// it can remove.
			pending := *done
			pending.DNS = op.DNS
			if err := checkpoint(&pending); err != nil {
				return fmt.Errorf("set dns: checkpoint: %w", err)
			}
		}
		argv := op.Argv
		if op.Kind == darwinSCUtil {
			argv = []string{"/usr/sbin/scutil"}
		}
		if out, err := sys.Run(argv, op.Stdin); err != nil {
			if darwinGoneOutput(string(out)) {
				err = fmt.Errorf("%w: %s", errDarwinGone, strings.TrimSpace(string(out)))
			}
			return fmt.Errorf("%s: %w", argv[0]+" "+strings.Join(argv[1:], " "), darwinOutputErr(err, out))
		}
	}
	switch {
	case op.Address != nil:
		done.Addresses = append(done.Addresses, *op.Address)
	case op.Applied != nil:
		done.Routes = append(done.Routes, *op.Applied)
	case op.DNS != nil:
		done.DNS = op.DNS
	}
	if op.Log != "" {
		logf.printf("%s", op.Log)
	}
	return nil
}

func darwinOutputErr(err error, out []byte) error {
	s := strings.TrimSpace(string(out))
	if s == "" || strings.Contains(err.Error(), s) {
		return err
	}
	return fmt.Errorf("%w: %s", err, s)
}

// darwinGoneOutput recognises ifconfig's answers when the address or the
// interface no longer exists.
func darwinGoneOutput(out string) bool {
	return strings.Contains(out, "does not exist") || strings.Contains(out, "Can't assign requested address") ||
		strings.Contains(out, "No such key")
}

// darwinGone: the route or interface to remove is not there.
func darwinGone(err error) bool {
	return errors.Is(err, syscall.ESRCH) || errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.ENOENT)
}

// applyDarwin applies cfg through sys, undoing what it did on failure.
func applyDarwin(sys darwinSystem, cfg Config, view darwinView, logf Logf) (*Applied, error) {
	ops, err := planDarwinApply(cfg, view)
	if err != nil {
		return nil, fmt.Errorf("apply network config: %w", err)
	}
	done := &Applied{Interface: cfg.Interface}
	if err := runDarwinPlan(sys, ops, done, cfg.Checkpoint, false, logf); err != nil {
		if rerr := revertDarwin(sys, done, logf); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return nil, fmt.Errorf("apply network config: %w", err)
	}
	return done, nil
}

// revertDarwin undoes a through sys; things already gone are fine.
func revertDarwin(sys darwinSystem, a *Applied, logf Logf) error {
	return runDarwinPlan(sys, planDarwinRevert(a), &Applied{}, nil, true, logf)
}
