package netcfg

// The Windows network layer, split so that Linux can test it: this file
// (no build tag) turns a Config and a small view of the machine into an
// ordered list of operations, runs them through the winOps seam and undoes
// them; routes_windows.go is the seam's real side (IP Helper through
// winipcfg, the registry for NRPT), wfp_windows.go that of the WFP
// filters planned in wfp_plan.go. windows_local.go plans bypass-dhcp and
// block-local.
//
//	Config + winView ─▶ planWindows ─▶ []winOp ─▶ runWindows(winOps) ─▶ Applied
//	Applied ─────────────────────────────────────▶ revertWindows(winOps)
//
// NONE OF THIS HAS RUN ON WINDOWS. It was written and golden-tested on
// Linux against a recorder; the calls, error codes and registry layout are
// taken from documentation and other projects' code, not from a machine.
//
// Choices made here, and why:
//   - Wintun is a layer-3 device, so a next hop inside it means nothing:
//     routes into the tunnel are added on-link (no next hop), as
//     wireguard-windows adds them, and recorded so.
//   - Windows has no unreachable route type. An Unreachable route is added
//     on-link into the tunnel instead: its packets go where no one
//     answers (the tunnel carries the other family only) rather than
//     leaking around it. Senders see a timeout, not an immediate error.
//     The WFP leak block (wfp_plan.go) is what really stops such traffic
//     on the other interfaces.
//   - DNS servers are set on the tunnel interface unless the DNS is split
//     (RouteDomains and not Default). Windows asks the servers of every
//     interface (smart multi-homed resolution), so for Default an NRPT
//     rule for "." sends every query to the tunnel's servers; for split
//     DNS there is one NRPT rule per routed domain. NRPT does not stop a
//     program that asks another server itself: block-outside-dns does,
//     with WFP filters (wfp_plan.go).
//   - A full tunnel gets WFP filters that block its families on every
//     other interface (wfp_plan.go), installed before any route changes,
//     so nothing leaks while the routes switch over. They are in a
//     dynamic WFP session that dies with the process.
//   - NRPT rule keys are named cvpn-<ifindex>-<n>, so that up to five
//     tunnels never share a key. The record (AppliedDNS, Mode "windows")
//     lists them one a line in Written, and is checkpointed before each
//     key is created; Link and IfIndex name the tunnel interface, whose
//     DNS Revert clears only while that name still has that index.
//   - The MTU is set per family and never restored: the device goes away
//     with the tunnel. IPv6 needs at least 1280 and is left alone below.

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

const (
	modeWindows = "windows"
	// nrptParent is the local NRPT store (HKLM); each rule is a subkey.
	nrptParent = `SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DnsPolicyConfig`
	// nrptConfigGenericDNS is ConfigOptions 0x8: use GenericDNSServers.
	nrptConfigGenericDNS = 8
	nrptVersion          = 2
)

// errWinExists and errWinGone are what winOps return when an object is
// already there (a route cvpn must not take over) or already gone.
var (
	errWinExists = errors.New("already exists")
	errWinGone   = errors.New("not found")
)

// winHop is the path Windows takes to a destination now (GetBestRoute2).
type winHop struct {
	Index    uint32
	Name     string
	NextHop  netip.Addr // invalid: on-link
	Loopback bool
}

// winView is what the planner needs to know about the machine.
type winView struct {
	TunIndex uint32
	TunName  string
	TunLUID  uint64
	// BestRoute looks up the current path to dst; it is called before
	// any route of the tunnel exists.
	BestRoute func(dst netip.Addr) (winHop, error)
	// Interfaces lists the machine's interfaces that are up; asked only
	// for bypass-dhcp, block-local and the WFP leak block.
	Interfaces func() ([]winIface, error)
}

type winOpKind int

const (
	winMTU winOpKind = iota
	winAddress
	winRoute
	winDNS
	winNRPT
	winWFP
)

// winOp is one change to the system.
type winOp struct {
	Kind   winOpKind
	Index  uint32 // interface
	Dev    string
	Family int // 4 or 6, for winMTU and winDNS
	MTU    int
	Addr   netip.Prefix
	Route  Route // concrete: Gateway is the next hop, invalid for on-link
	Why    string
	// DNS: servers and search domains on the interface.
	Servers []netip.Addr
	Domains []string
	// NRPT: the rule's key, namespaces and server list.
	Key   string
	Names []string
	// WFP: the filters, added in one dynamic session.
	Filters []wfpFilter
}

func (o winOp) String() string {
	switch o.Kind {
	case winMTU:
		return fmt.Sprintf("set ipv%d mtu %d on %s (if %d)", o.Family, o.MTU, o.Dev, o.Index)
	case winAddress:
		return fmt.Sprintf("add address %v on %s (if %d)", o.Addr, o.Dev, o.Index)
	case winRoute:
		return fmt.Sprintf("add route %v on %s (if %d)", o.Route, o.Dev, o.Index)
	case winDNS:
		return fmt.Sprintf("set ipv%d dns %v search %v on %s (if %d)", o.Family, o.Servers, o.Domains, o.Dev, o.Index)
	case winNRPT:
		return fmt.Sprintf(`nrpt HKLM\%s\%s Name=%q GenericDNSServers=%q ConfigOptions=%d Version=%d`,
			nrptParent, o.Key, o.Names, nrptServers(o.Servers), nrptConfigGenericDNS, nrptVersion)
	case winWFP:
		s := fmt.Sprintf("wfp dynamic session for %s (if %d), sublayer %s weight %#x, %d filters:",
			o.Dev, o.Index, wfpSublayerKey, wfpSublayerWeight, len(o.Filters))
		for _, f := range o.Filters {
			s += "\n  " + f.String()
		}
		return s
	}
	return "unknown op"
}

func nrptServers(s []netip.Addr) string {
	parts := make([]string, len(s))
	for i, a := range s {
		parts[i] = a.String()
	}
	return strings.Join(parts, ";")
}

// planWindows orders what Apply does: MTU, addresses, the WFP filters
// (before any route moves traffic), the routes that keep destinations
// outside the tunnel (the server, bypass-dhcp, block-local's gateway,
// net_gateway; looked up before the tunnel's own routes exist), the
// tunnel's routes and block-local's halves, then DNS. Things it leaves
// out are logged.
func planWindows(cfg Config, v winView, logf Logf) ([]winOp, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	tun := func(op winOp) winOp { op.Index, op.Dev = v.TunIndex, v.TunName; return op }
	var plan []winOp
	if cfg.MTU != 0 {
		plan = append(plan, tun(winOp{Kind: winMTU, Family: 4, MTU: cfg.MTU}))
		if cfg.MTU >= 1280 {
			plan = append(plan, tun(winOp{Kind: winMTU, Family: 6, MTU: cfg.MTU}))
		} else {
			logf.printf("ipv6 mtu of %s left alone: %d is below the 1280 IPv6 needs", v.TunName, cfg.MTU)
		}
	}
	for _, a := range cfg.Addresses {
		plan = append(plan, tun(winOp{Kind: winAddress, Addr: a}))
	}
	// Routes outside the tunnel are looked up before any of the tunnel's
	// exist.
	var outside, into []winOp
	for _, dst := range cfg.Bypass {
		op, skip, err := winOutsideRoute(v, dst, "server stays outside the tunnel")
		if err != nil {
			return nil, fmt.Errorf("keep route to server %v outside the tunnel: %w", dst, err)
		}
		if skip == "" {
			outside = append(outside, op)
		}
	}
	var local winLocal
	if cfg.BypassDHCP || cfg.BlockLocal || wfpNeeded(cfg) {
		local = loadWinLocal(v, logf)
	}
	if cfg.BypassDHCP {
		outside = append(outside, planWinBypassDHCP(v, local, cfg.BlockLocal, outside, logf)...)
	}
	var blockLocal []winOp
	if cfg.BlockLocal {
		var gw []winOp
		gw, blockLocal = planWinBlockLocal(cfg, v, local, outside, logf)
		outside = append(outside, gw...)
	}
	for _, r := range cfg.Routes {
		if !r.NetGateway {
			continue
		}
		dst := r.Dst.Masked()
		hop, skip, err := winCurrentPath(v, dst.Addr())
		if err != nil {
			logf.printf("route %v via net_gateway not added: %v", dst, err)
			continue
		}
		if skip != "" {
			logf.printf("route %v via net_gateway not added: %s", dst, skip)
			continue
		}
		outside = append(outside, winOp{Kind: winRoute, Index: hop.Index, Dev: hop.Name, Why: "net_gateway, outside the tunnel",
			Route: Route{Dst: dst, Gateway: hop.NextHop, Metric: r.Metric}})
	}
	for _, r := range cfg.Routes {
		if r.NetGateway {
			continue
		}
		why := "into the tunnel"
		if r.Unreachable {
			why = "blocked: Windows has no unreachable route, so into the tunnel, where nothing answers"
		}
		into = append(into, tun(winOp{Kind: winRoute, Why: why, Route: Route{Dst: r.Dst.Masked(), Metric: r.Metric}}))
	}
	into = append(into, blockLocal...)
	var kept []netip.Prefix
	for _, op := range outside {
		kept = append(kept, op.Route.Dst)
	}
	// Without the halves (block-local not done) the local networks stay
	// where they are, and the leak block must let them be.
	wcfg := cfg
	wcfg.BlockLocal = len(blockLocal) > 0
	if filters := planWFP(wcfg, v, kept, local.networks()); len(filters) > 0 {
		plan = append(plan, tun(winOp{Kind: winWFP, Filters: filters}))
	}
	plan = append(append(plan, outside...), into...)
	return append(plan, planWindowsDNS(cfg.DNS, v, logf)...), nil
}

// winCurrentPath is the hop Windows uses for dst now; skip says why there
// is nothing to keep.
func winCurrentPath(v winView, dst netip.Addr) (hop winHop, skip string, err error) {
	hop, err = v.BestRoute(dst)
	if err != nil {
		return hop, "", fmt.Errorf("look up current route to %v: %w", dst, err)
	}
	switch {
	case hop.Index == v.TunIndex:
		return hop, "it already goes through " + v.TunName, nil
	case hop.Loopback:
		return hop, "it is a local address", nil
	}
	return hop, "", nil
}

func planWindowsDNS(d *DNS, v winView, logf Logf) []winOp {
	if d == nil {
		return nil
	}
	servers := map[int][]netip.Addr{}
	var all []netip.Addr
	for _, s := range d.Servers {
		if s.Port() != 0 && s.Port() != 53 {
			logf.printf("dns server %v: Windows cannot use port %d; using port 53", s, s.Port())
		}
		a := s.Addr().Unmap()
		all = append(all, a)
		if a.Is4() {
			servers[4] = append(servers[4], a)
		} else {
			servers[6] = append(servers[6], a)
		}
	}
	split := len(d.RouteDomains) > 0 && !d.Default
	var plan []winOp
	for _, fam := range []int{4, 6} {
		op := winOp{Kind: winDNS, Index: v.TunIndex, Dev: v.TunName, Family: fam, Domains: d.SearchDomains}
		if !split {
			op.Servers = servers[fam]
		}
		if len(op.Servers) > 0 || (fam == 4 && len(op.Domains) > 0) {
			plan = append(plan, op)
		}
	}
	var names []string
	switch {
	case d.Default:
		names = []string{"."}
	case split:
		for _, dom := range d.RouteDomains {
			names = append(names, "."+strings.Trim(dom, "."))
		}
	}
	if len(names) > 0 && len(all) == 0 {
		logf.printf("no dns server: no NRPT rule for %v", names)
		return plan
	}
	for n, name := range names {
		plan = append(plan, winOp{Kind: winNRPT, Key: fmt.Sprintf("cvpn-%d-%d", v.TunIndex, n), Names: []string{name}, Servers: all})
	}
	return plan
}

// winOps are the system calls the Windows layer makes; tests record them.
// Routes and addresses name the interface by index. Errors: errWinExists
// from AddRoute for a route that is there already, errWinGone from the
// deletes and IndexOf for things already gone.
type winOps interface {
	SetMTU(index uint32, family, mtu int) error
	AddAddress(index uint32, p netip.Prefix) error
	DeleteAddress(index uint32, p netip.Prefix) error
	AddRoute(index uint32, dst netip.Prefix, nextHop netip.Addr, metric int) error
	DeleteRoute(index uint32, dst netip.Prefix, nextHop netip.Addr, metric int) error
	IndexOf(name string) (uint32, error)
	SetDNS(index uint32, family int, servers []netip.Addr, domains []string) error
	FlushDNS(index uint32, family int) error
	SetNRPT(key string, names []string, servers string) error
	DeleteNRPT(key string) error
	// OpenWFP opens a dynamic session with the filter engine.
	OpenWFP(name string) (wfpSession, error)
}

// runWindows carries out plan and records what it changed. On failure it
// undoes what it did and returns the error. Routes that exist already are
// reported and left out of the record: they are not cvpn's to remove.
func runWindows(ops winOps, cfg Config, v winView, plan []winOp, logf Logf) (*Applied, error) {
	done := &Applied{Interface: cfg.Interface}
	err := runWindowsOps(ops, cfg, v, plan, done, logf)
	if err != nil {
		if rerr := revertWindows(ops, done, logf); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return nil, err
	}
	return done, nil
}

func runWindowsOps(ops winOps, cfg Config, v winView, plan []winOp, done *Applied, logf Logf) error {
	for _, op := range plan {
		switch op.Kind {
		case winMTU:
			if err := ops.SetMTU(op.Index, op.Family, op.MTU); err != nil {
				if op.Family == 6 && errors.Is(err, errWinGone) {
					logf.printf("ipv6 mtu of %s not set: ipv6 is off there", op.Dev)
					continue
				}
				return fmt.Errorf("set ipv%d mtu %d on %s: %w", op.Family, op.MTU, op.Dev, err)
			}
			logf.printf("ipv%d mtu %d on %s", op.Family, op.MTU, op.Dev)
		case winAddress:
			if err := ops.AddAddress(op.Index, op.Addr); err != nil {
				return fmt.Errorf("add address %v to %s: %w", op.Addr, op.Dev, err)
			}
			done.Addresses = append(done.Addresses, op.Addr)
			logf.printf("address %v on %s", op.Addr, op.Dev)
		case winRoute:
			r := op.Route
			if err := ops.AddRoute(op.Index, r.Dst, r.Gateway, r.Metric); err != nil {
				if errors.Is(err, errWinExists) {
					logf.printf("route %v on %s already exists; leaving it in place", r, op.Dev)
					continue
				}
				return fmt.Errorf("add route %v on %s: %w", r, op.Dev, err)
			}
			done.Routes = append(done.Routes, AppliedRoute{Route: r, Device: op.Dev})
			logf.printf("route %v on %s (%s)", r, op.Dev, op.Why)
		case winDNS:
			if done.DNS == nil {
				done.DNS = &AppliedDNS{Mode: modeWindows, Link: v.TunName, IfIndex: int(v.TunIndex), Path: nrptParent}
			}
			if err := ops.SetDNS(op.Index, op.Family, op.Servers, op.Domains); err != nil {
				return fmt.Errorf("set ipv%d dns on %s: %w", op.Family, op.Dev, err)
			}
			logf.printf("ipv%d dns %v search %v on %s", op.Family, op.Servers, op.Domains, op.Dev)
		case winNRPT:
			if done.DNS == nil {
				done.DNS = &AppliedDNS{Mode: modeWindows, Link: v.TunName, IfIndex: int(v.TunIndex), Path: nrptParent}
			}
			// The key goes into the record, and the record to disk,
			// before the key exists: a crash cannot leave a rule that
			// nothing removes. Revert takes a missing key as removed.
			done.DNS.Written = append(done.DNS.Written, op.Key+"\n"...)
			if cfg.Checkpoint != nil {
				if err := cfg.Checkpoint(done); err != nil {
					return fmt.Errorf("set dns: save state: %w", err)
				}
			}
			if err := ops.SetNRPT(op.Key, op.Names, nrptServers(op.Servers)); err != nil {
				return fmt.Errorf("add nrpt rule %s for %v: %w", op.Key, op.Names, err)
			}
			logf.printf("nrpt rule %s: %v to %s", op.Key, op.Names, nrptServers(op.Servers))
		case winWFP:
			if err := installWFP(ops, v.TunName, op.Filters, logf); err != nil {
				return fmt.Errorf("block traffic outside %s: %w", v.TunName, err)
			}
			logf.printf("wfp: %d filters for %s", len(op.Filters), v.TunName)
		}
	}
	return nil
}

// revertWindows removes what the record says, newest first: NRPT rules,
// the interface's DNS, routes, addresses. Things already gone — all of it
// on a tunnel interface that closed — are not errors.
func revertWindows(ops winOps, a *Applied, logf Logf) error {
	var errs []error
	if d := a.DNS; d != nil {
		if d.Mode != modeWindows {
			errs = append(errs, fmt.Errorf("restore dns: unknown mode %q", d.Mode))
		} else {
			keys := strings.Fields(string(d.Written))
			for i := len(keys) - 1; i >= 0; i-- {
				if err := ops.DeleteNRPT(keys[i]); err != nil && !errors.Is(err, errWinGone) {
					errs = append(errs, fmt.Errorf("remove nrpt rule %s: %w", keys[i], err))
					continue
				}
				logf.printf("removed nrpt rule %s", keys[i])
			}
			// Only the same interface: after a crash its index may
			// belong to another one by now.
			if index, err := ops.IndexOf(d.Link); err == nil && index == uint32(d.IfIndex) {
				for _, fam := range []int{6, 4} {
					if err := ops.FlushDNS(index, fam); err != nil && !errors.Is(err, errWinGone) {
						errs = append(errs, fmt.Errorf("clear ipv%d dns of %s: %w", fam, d.Link, err))
					}
				}
			}
		}
	}
	for i := len(a.Routes) - 1; i >= 0; i-- {
		r := a.Routes[i]
		index, err := ops.IndexOf(r.Device)
		if err != nil {
			continue // the interface is gone and its routes with it
		}
		if err := ops.DeleteRoute(index, r.Dst, r.Gateway, r.Metric); err != nil && !errors.Is(err, errWinGone) {
			errs = append(errs, fmt.Errorf("remove route %v on %s: %w", r.Route, r.Device, err))
			continue
		}
		logf.printf("removed route %v on %s", r.Route, r.Device)
	}
	if index, err := ops.IndexOf(a.Interface); err == nil {
		for i := len(a.Addresses) - 1; i >= 0; i-- {
			if err := ops.DeleteAddress(index, a.Addresses[i]); err != nil && !errors.Is(err, errWinGone) {
				errs = append(errs, fmt.Errorf("remove address %v from %s: %w", a.Addresses[i], a.Interface, err))
			}
		}
	}
	// Last: the leak block stays until the routes that needed it are gone.
	if err := closeWFP(a.Interface, logf); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
