package netcfg

// Leak blocking on Windows with the Windows Filtering Platform (WFP). This
// file (no build tag, tested on Linux) decides which filters a Config
// needs; wfp_windows.go hands them to the Base Filtering Engine.
//
// NONE OF THIS HAS RUN ON WINDOWS. The filters were planned and
// golden-tested on Linux against a recorder; the layers, conditions and
// weights follow Microsoft's documentation and what wireguard-windows and
// OpenVPN do, not a test on a machine.
//
// Two things need WFP, because routes alone cannot do them on Windows:
//
//   - block-outside-dns (Config.BlockOutsideDNS). Windows asks the DNS
//     servers of every interface at once (smart multi-homed resolution),
//     so a query can leave outside the tunnel whatever the routes and NRPT
//     say. DNS (UDP and TCP to port 53) is blocked on every interface but
//     the tunnel and the loopback.
//   - the leak block of a full tunnel. When the routes send all IPv4
//     (0.0.0.0/1 + 128.0.0.0/1, or /0) or all IPv6 into the tunnel, or
//     block IPv6 with Unreachable routes covering 2000::/3, everything of
//     that family leaving another interface is blocked, except: the
//     loopback; the destinations the plan routes outside the tunnel (the
//     VPN server, the DHCP server of bypass-dhcp, the local gateway of
//     block-local, net_gateway routes); DHCP and DHCPv6; ICMPv6 neighbour
//     discovery; and the local networks of the machine's interfaces
//     unless BlockLocal. Windows has no unreachable route type (see
//     windows_plan.go: such routes go into the tunnel, where nothing
//     answers), so for an IPv4-only full tunnel this block is what really
//     keeps IPv6 from leaking: a program that binds to the physical
//     interface, or a route added later, gets nothing past it.
//
// The filters live in one dynamic WFP session per tunnel
// (FWPM_SESSION_FLAG_DYNAMIC): the engine deletes them when the session
// closes, and the session closes when the process ends, however it ends.
// Crash undo is therefore the operating system's; Revert only closes the
// session, which this process keeps by tunnel interface name (a handle
// means nothing to another process, so Applied keeps no WFP record).
//
// All filters go into cvpn's own sublayer (fixed key, highest weight),
// shared by every tunnel of the process: one tunnel's permit of its own
// interface (weight 15) then beats another tunnel's DNS block or leak
// block (weights 12 and 0) in the same sublayer. A block in another
// sublayer (Windows Defender Firewall, another VPN) still wins over our
// permits: WFP lets a block in any sublayer stand. The sublayer belongs to
// the session that added it first; unverified: whether the engine keeps it
// while other sessions' filters use it after that session closed.
//
// Weights inside the sublayer, highest evaluated first, first terminating
// match wins:
//
//	15 permit everything on the tunnel interface
//	14 permit loopback
//	13 permit the destinations routed outside the tunnel (the VPN server
//	   keeps working even on port 53)
//	12 block DNS                         (block-outside-dns)
//	11 permit DHCP, DHCPv6, neighbour discovery
//	10 permit the local networks         (not with BlockLocal; a LAN
//	   resolver is still refused DNS by weight 12)
//	 0 block everything else             (leak block, per family)
//
// Each filter is added at both the connect and the receive/accept ALE
// layer of its family, so neither outgoing connections nor incoming ones
// pass the block.

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
)

// wfpSublayerKey is cvpn's sublayer, the same in every session.
const (
	wfpSublayerKey    = "{501bf845-33f7-4d46-a83f-b0a4e6746ff2}"
	wfpSublayerName   = "cvpn"
	wfpSublayerWeight = 0xffff
)

// Filter weights (FWP_UINT8): see the table atop this file.
const (
	wfpWeightTunnel   = 15
	wfpWeightLoopback = 14
	wfpWeightOutside  = 13
	wfpWeightBlockDNS = 12
	wfpWeightLinkSvc  = 11
	wfpWeightLocal    = 10
	wfpWeightBlockAll = 0
)

type wfpLayer int

const (
	wfpConnect4 wfpLayer = iota // FWPM_LAYER_ALE_AUTH_CONNECT_V4
	wfpAccept4                  // FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V4
	wfpConnect6                 // FWPM_LAYER_ALE_AUTH_CONNECT_V6
	wfpAccept6                  // FWPM_LAYER_ALE_AUTH_RECV_ACCEPT_V6
)

func (l wfpLayer) String() string {
	return [...]string{"ipv4 connect", "ipv4 accept", "ipv6 connect", "ipv6 accept"}[l]
}

func wfpLayers(family int) []wfpLayer {
	if family == 6 {
		return []wfpLayer{wfpConnect6, wfpAccept6}
	}
	return []wfpLayer{wfpConnect4, wfpAccept4}
}

type wfpField int

const (
	wfpLocalInterface wfpField = iota // FWP_UINT64 LUID, equal
	wfpRemoteAddr                     // FWP_V4_ADDR_MASK / FWP_V6_ADDR_MASK, equal
	wfpProtocol                       // FWP_UINT8, equal
	wfpLocalPort                      // FWP_UINT16, equal
	wfpRemotePort                     // FWP_UINT16, equal
	wfpICMPType                       // the local port field at ICMP: FWP_UINT16, equal
	wfpLoopback                       // FWPM_CONDITION_FLAGS, FWP_UINT32, flags all set
)

// IP protocol numbers.
const (
	ipprotoTCP    = 6
	ipprotoUDP    = 17
	ipprotoICMPv6 = 58
)

// wfpCond is one filter condition. Conditions on the same field are ORed,
// on different fields ANDed (WFP's rule).
type wfpCond struct {
	Field  wfpField
	Value  uint64       // all fields but wfpRemoteAddr
	Prefix netip.Prefix // wfpRemoteAddr
}

func (c wfpCond) value() string {
	switch c.Field {
	case wfpLocalInterface:
		return fmt.Sprintf("luid %#x", c.Value)
	case wfpRemoteAddr:
		return c.Prefix.String()
	case wfpProtocol:
		switch c.Value {
		case ipprotoTCP:
			return "tcp"
		case ipprotoUDP:
			return "udp"
		case ipprotoICMPv6:
			return "icmpv6"
		}
	}
	return fmt.Sprint(c.Value)
}

func (f wfpField) String() string {
	return [...]string{"local-interface", "remote-address", "protocol", "local-port", "remote-port", "icmp-type", "flags-loopback"}[f]
}

// wfpFilter is one filter to add to cvpn's sublayer.
type wfpFilter struct {
	Name   string
	Layer  wfpLayer
	Weight uint8
	Block  bool // else permit
	Conds  []wfpCond
}

func (f wfpFilter) String() string {
	action := "permit"
	if f.Block {
		action = "block"
	}
	s := fmt.Sprintf("%s %s weight %d %q", action, f.Layer, f.Weight, f.Name)
	var terms []string
	for i := 0; i < len(f.Conds); {
		j := i
		var vals []string
		for ; j < len(f.Conds) && f.Conds[j].Field == f.Conds[i].Field; j++ {
			vals = append(vals, f.Conds[j].value())
		}
		if f.Conds[i].Field == wfpLoopback {
			terms = append(terms, "loopback")
		} else if len(vals) == 1 {
			terms = append(terms, f.Conds[i].Field.String()+"="+vals[0])
		} else {
			terms = append(terms, f.Conds[i].Field.String()+" in {"+strings.Join(vals, ", ")+"}")
		}
		i = j
	}
	if len(terms) > 0 {
		s += " if " + strings.Join(terms, " and ")
	}
	return s
}

// wfpFamilies says which families a config's leak block covers.
func wfpFamilies(cfg Config) (v4, v6 bool) {
	into := func(want netip.Prefix) bool {
		for _, r := range cfg.Routes {
			if !r.NetGateway && !r.Unreachable && r.Dst.Bits() <= want.Bits() && r.Dst.Contains(want.Addr()) {
				return true
			}
		}
		return false
	}
	blocked := func(want netip.Prefix) bool {
		for _, r := range cfg.Routes {
			if r.Unreachable && r.Dst.Bits() <= want.Bits() && r.Dst.Contains(want.Addr()) {
				return true
			}
		}
		return false
	}
	v4 = into(wfpPrefix("0.0.0.0/1")) && into(wfpPrefix("128.0.0.0/1"))
	v6 = (into(wfpPrefix("::/1")) && into(wfpPrefix("8000::/1"))) ||
		(blocked(wfpPrefix("2000::/4")) && blocked(wfpPrefix("3000::/4")))
	return v4, v6
}

func wfpPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// wfpNeeded reports whether cfg needs any filter, so that the machine's
// interfaces are only listed when they matter.
func wfpNeeded(cfg Config) bool {
	v4, v6 := wfpFamilies(cfg)
	return cfg.BlockOutsideDNS || v4 || v6
}

// planWFP lists the filters cfg needs; none for a split tunnel without
// block-outside-dns. outside are the destinations the plan routes outside
// the tunnel; local the networks of the machine's other interfaces.
func planWFP(cfg Config, v winView, outside, local []netip.Prefix) []wfpFilter {
	leak4, leak6 := wfpFamilies(cfg)
	if !cfg.BlockOutsideDNS && !leak4 && !leak6 {
		return nil
	}
	name := func(what string) string { return "cvpn " + v.TunName + ": " + what }
	var out []wfpFilter
	add := func(family int, what string, weight uint8, block bool, conds ...wfpCond) {
		for _, l := range wfpLayers(family) {
			out = append(out, wfpFilter{Name: name(what), Layer: l, Weight: weight, Block: block, Conds: conds})
		}
	}
	both := func(f func(family int)) { f(4); f(6) }
	leaks := func(family int) bool { return family == 4 && leak4 || family == 6 && leak6 }
	both(func(fam int) {
		if !leaks(fam) && !cfg.BlockOutsideDNS {
			return // nothing of this family is blocked
		}
		add(fam, "permit the tunnel", wfpWeightTunnel, false, wfpCond{Field: wfpLocalInterface, Value: v.TunLUID})
		add(fam, "permit loopback", wfpWeightLoopback, false, wfpCond{Field: wfpLoopback, Value: 1})
	})
	both(func(fam int) {
		if !leaks(fam) {
			return
		}
		if c := wfpAddrConds(outside, fam); len(c) > 0 {
			add(fam, "permit what is routed outside the tunnel", wfpWeightOutside, false, c...)
		}
	})
	if cfg.BlockOutsideDNS {
		both(func(fam int) {
			add(fam, "block dns outside the tunnel", wfpWeightBlockDNS, true,
				wfpCond{Field: wfpRemotePort, Value: 53},
				wfpCond{Field: wfpProtocol, Value: ipprotoUDP}, wfpCond{Field: wfpProtocol, Value: ipprotoTCP})
		})
	}
	if leak4 {
		add(4, "permit dhcp", wfpWeightLinkSvc, false, wfpCond{Field: wfpProtocol, Value: ipprotoUDP},
			wfpCond{Field: wfpLocalPort, Value: 68}, wfpCond{Field: wfpRemotePort, Value: 67})
	}
	if leak6 {
		add(6, "permit dhcpv6", wfpWeightLinkSvc, false, wfpCond{Field: wfpProtocol, Value: ipprotoUDP},
			wfpCond{Field: wfpLocalPort, Value: 546}, wfpCond{Field: wfpRemotePort, Value: 547})
		ndp := []wfpCond{{Field: wfpProtocol, Value: ipprotoICMPv6}}
		for t := uint64(133); t <= 137; t++ { // router and neighbour solicitation/advertisement, redirect
			ndp = append(ndp, wfpCond{Field: wfpICMPType, Value: t})
		}
		add(6, "permit neighbour discovery", wfpWeightLinkSvc, false, ndp...)
	}
	both(func(fam int) {
		if !leaks(fam) || cfg.BlockLocal {
			return
		}
		if c := wfpAddrConds(local, fam); len(c) > 0 {
			add(fam, "permit local networks", wfpWeightLocal, false, c...)
		}
	})
	both(func(fam int) {
		if leaks(fam) {
			add(fam, "block everything else", wfpWeightBlockAll, true)
		}
	})
	return out
}

func wfpAddrConds(ps []netip.Prefix, family int) []wfpCond {
	var out []wfpCond
	for _, p := range ps {
		if p.Addr().Is4() == (family == 4) {
			out = append(out, wfpCond{Field: wfpRemoteAddr, Prefix: p.Masked()})
		}
	}
	return out
}

// wfpSublayer is the sublayer every filter goes into.
type wfpSublayer struct {
	Key    string // a GUID in braces
	Name   string
	Weight uint16
}

// wfpSession is one dynamic session with the Base Filtering Engine; tests
// record it. AddSublayer returns errWinExists when the sublayer is there
// already (another tunnel's session added it).
type wfpSession interface {
	Begin() error
	AddSublayer(wfpSublayer) error
	AddFilter(wfpFilter) error
	Commit() error
	Abort() error
	Close() error
}

// wfpLive holds the open sessions of this process by tunnel interface
// name, for Revert to close.
var wfpLive = struct {
	sync.Mutex
	m map[string]wfpSession
}{m: map[string]wfpSession{}}

// installWFP opens a dynamic session, adds the sublayer, and adds the
// filters in one transaction; on failure it closes the session, which
// takes whatever was added with it.
func installWFP(ops winOps, tunnel string, filters []wfpFilter, logf Logf) error {
	s, err := ops.OpenWFP("cvpn " + tunnel)
	if err != nil {
		return fmt.Errorf("open the filter engine: %w", err)
	}
	if err := fillWFP(s, filters, logf); err != nil {
		if aerr := s.Abort(); aerr != nil {
			logf.printf("wfp: abort transaction: %v", aerr)
		}
		if cerr := s.Close(); cerr != nil {
			logf.printf("wfp: close session: %v", cerr)
		}
		return err
	}
	wfpLive.Lock()
	old := wfpLive.m[tunnel]
	wfpLive.m[tunnel] = s
	wfpLive.Unlock()
	if old != nil {
		// Apply ran twice on one interface without Revert between: the
		// older filters are stale.
		logf.printf("wfp: closing an older session for %s", tunnel)
		_ = old.Close()
	}
	return nil
}

// fillWFP adds the sublayer before the transaction begins, so that its
// expected failure when another tunnel's session added it already cannot
// spoil the transaction (whether it would is unverified).
func fillWFP(s wfpSession, filters []wfpFilter, logf Logf) error {
	err := s.AddSublayer(wfpSublayer{Key: wfpSublayerKey, Name: wfpSublayerName, Weight: wfpSublayerWeight})
	switch {
	case err == nil:
	case errors.Is(err, errWinExists):
		logf.printf("wfp: sublayer %s already there (another tunnel's); sharing it", wfpSublayerKey)
	default:
		return fmt.Errorf("add wfp sublayer: %w", err)
	}
	if err := s.Begin(); err != nil {
		return fmt.Errorf("begin filter transaction: %w", err)
	}
	for _, f := range filters {
		if err := s.AddFilter(f); err != nil {
			return fmt.Errorf("add wfp filter %s: %w", f, err)
		}
	}
	if err := s.Commit(); err != nil {
		return fmt.Errorf("commit filter transaction: %w", err)
	}
	return nil
}

// closeWFP closes the session Apply opened for tunnel; no session (none
// was needed, or it died with a former process) is not an error.
func closeWFP(tunnel string, logf Logf) error {
	wfpLive.Lock()
	s := wfpLive.m[tunnel]
	delete(wfpLive.m, tunnel)
	wfpLive.Unlock()
	if s == nil {
		return nil
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("close wfp session of %s: %w", tunnel, err)
	}
	logf.printf("wfp filters of %s removed (session closed)", tunnel)
	return nil
}

// wfpHint names the cause and the fix of the engine errors a user can
// act on; "" for the others. Codes are Win32 errors and FWP_E_ HRESULTs.
func wfpHint(code uint32) string {
	switch code {
	case 1753, 1722, 1062: // EPT_S_NOT_REGISTERED, RPC_S_SERVER_UNAVAILABLE, ERROR_SERVICE_NOT_ACTIVE
		return "Base Filtering Engine service not running: start the BFE service (sc start BFE) and set it to start automatically"
	case 5: // ERROR_ACCESS_DENIED
		return "the filter engine refused this account: run the cvpn service as LocalSystem or from an administrator's session"
	case 0x80320012: // FWP_E_TIMEOUT
		return "another program holds the filter engine's transaction lock: try again, or close the other firewall tool"
	case 0x8032000B: // FWP_E_DYNAMIC_SESSION_IN_PROGRESS
		return "the filter engine refuses this change during a dynamic session: report this as a cvpn bug"
	}
	return ""
}
