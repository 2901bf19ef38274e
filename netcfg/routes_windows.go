package netcfg

// The Windows side of the winOps seam (see windows_plan.go): IP Helper
// through winipcfg for addresses, MTU, routes and interface DNS, the
// registry for NRPT rules.
//
// THIS CODE HAS NEVER RUN ON WINDOWS. It compiles (GOOS=windows) and its
// plan and undo logic are golden-tested on Linux; the system calls behind
// this file are untried. In particular unverified: the error codes
// mapped to errWinExists/errWinGone, that Dnscache picks NRPT rules up
// from the local DnsPolicyConfig key without a policy refresh, and that
// on-link routes into Wintun work for both families. A destination that
// is one of the machine's own non-loopback addresses may not be recognised
// as local (GetBestRoute2 probably names the interface that owns it); its
// bypass route would then meet the host route Windows has and be left out
// as existing.
//
// winipcfg is pinned at golang.zx2c4.com/wireguard/windows v0.5.3: the
// v1 releases need go 1.25 and golang.org/x/sys v0.43, which this module
// does not take for it.

import (
	"errors"
	"fmt"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// Apply configures the tunnel interface, routes and DNS described by cfg.
// It either applies all of cfg or, on failure, undoes what it did and
// returns the error.
func Apply(cfg Config, logf Logf) (*Applied, error) {
	ops := systemWinOps{}
	index, err := ops.IndexOf(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("apply network config: find interface %s: %w", cfg.Interface, err)
	}
	luid, err := winLUID(index)
	if err != nil {
		return nil, fmt.Errorf("apply network config: find interface %s: %w", cfg.Interface, err)
	}
	v := winView{TunIndex: index, TunName: cfg.Interface, TunLUID: uint64(luid), BestRoute: winBestRoute, Interfaces: winInterfaces}
	plan, err := planWindows(cfg, v, logf)
	if err != nil {
		return nil, err
	}
	return runWindows(ops, cfg, v, plan, logf)
}

// Revert removes what Apply recorded, newest first, and closes the WFP
// session Apply opened in this process, which removes its filters. Things
// already gone are not errors; after a crash the filters are gone with
// the process that added them.
func Revert(a *Applied, logf Logf) error { return revertWindows(systemWinOps{}, a, logf) }

type systemWinOps struct{}

func winLUID(index uint32) (winipcfg.LUID, error) {
	luid, err := winipcfg.LUIDFromIndex(index)
	if err != nil {
		return 0, winErr(err)
	}
	return luid, nil
}

func winFamily(f int) winipcfg.AddressFamily {
	if f == 6 {
		return windows.AF_INET6
	}
	return windows.AF_INET
}

// winErr maps the codes IP Helper and the registry use for "there already"
// and "not there" to the seam's errors.
func winErr(err error) error {
	switch {
	case errors.Is(err, windows.ERROR_OBJECT_ALREADY_EXISTS):
		return fmt.Errorf("%w: %w", errWinExists, err)
	case errors.Is(err, windows.ERROR_NOT_FOUND), errors.Is(err, windows.ERROR_FILE_NOT_FOUND):
		return fmt.Errorf("%w: %w", errWinGone, err)
	}
	return err
}

// nextHop is the gateway, or for an on-link route the unspecified address
// of dst's family, which is how IP Helper spells "on-link".
func winNextHop(dst netip.Prefix, gw netip.Addr) netip.Addr {
	switch {
	case gw.IsValid():
		return gw
	case dst.Addr().Is4():
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

func (systemWinOps) SetMTU(index uint32, fam, mtu int) error {
	luid, err := winLUID(index)
	if err != nil {
		return err
	}
	row, err := luid.IPInterface(winFamily(fam))
	if err != nil {
		return winErr(err)
	}
	row.NLMTU = uint32(mtu)
	if fam == 4 {
		row.SitePrefixLength = 0 // SetIpInterfaceEntry refuses IPv4 rows with one
	}
	return winErr(row.Set())
}

func (systemWinOps) AddAddress(index uint32, p netip.Prefix) error {
	luid, err := winLUID(index)
	if err != nil {
		return err
	}
	return winErr(luid.AddIPAddress(p))
}

func (systemWinOps) DeleteAddress(index uint32, p netip.Prefix) error {
	luid, err := winLUID(index)
	if err != nil {
		return err
	}
	return winErr(luid.DeleteIPAddress(p))
}

func (systemWinOps) AddRoute(index uint32, dst netip.Prefix, gw netip.Addr, metric int) error {
	luid, err := winLUID(index)
	if err != nil {
		return err
	}
	return winErr(luid.AddRoute(dst, winNextHop(dst, gw), uint32(metric)))
}

// DeleteRoute: a route is keyed by interface, destination and next hop;
// the metric is not part of the key.
func (systemWinOps) DeleteRoute(index uint32, dst netip.Prefix, gw netip.Addr, _ int) error {
	luid, err := winLUID(index)
	if err != nil {
		return err
	}
	return winErr(luid.DeleteRoute(dst, winNextHop(dst, gw)))
}

// IndexOf finds an interface by its alias (the name Wintun was given).
func (systemWinOps) IndexOf(name string) (uint32, error) {
	rows, err := winipcfg.GetIfTable2Ex(winipcfg.MibIfEntryNormal)
	if err != nil {
		return 0, fmt.Errorf("list interfaces: %w", err)
	}
	for i := range rows {
		if rows[i].Alias() == name {
			return rows[i].InterfaceIndex, nil
		}
	}
	return 0, fmt.Errorf("interface %q: %w", name, errWinGone)
}

func (systemWinOps) SetDNS(index uint32, fam int, servers []netip.Addr, domains []string) error {
	luid, err := winLUID(index)
	if err != nil {
		return err
	}
	return winErr(luid.SetDNS(winFamily(fam), servers, domains))
}

func (systemWinOps) FlushDNS(index uint32, fam int) error {
	luid, err := winLUID(index)
	if err != nil {
		return err
	}
	return winErr(luid.FlushDNS(winFamily(fam)))
}

func (systemWinOps) SetNRPT(key string, names []string, servers string) error {
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, nrptParent+`\`+key, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.SetStringsValue("Name", names); err != nil {
		return err
	}
	if err := k.SetStringValue("GenericDNSServers", servers); err != nil {
		return err
	}
	if err := k.SetDWordValue("ConfigOptions", nrptConfigGenericDNS); err != nil {
		return err
	}
	if err := k.SetDWordValue("Version", nrptVersion); err != nil {
		return err
	}
	winFlushResolverCache()
	return nil
}

func (systemWinOps) DeleteNRPT(key string) error {
	if err := registry.DeleteKey(registry.LOCAL_MACHINE, nrptParent+`\`+key); err != nil {
		return winErr(err)
	}
	winFlushResolverCache()
	return nil
}

var (
	modIphlpapi               = windows.NewLazySystemDLL("iphlpapi.dll")
	procGetBestRoute2         = modIphlpapi.NewProc("GetBestRoute2")
	modDnsapi                 = windows.NewLazySystemDLL("dnsapi.dll")
	procDnsFlushResolverCache = modDnsapi.NewProc("DnsFlushResolverCache")
)

// winFlushResolverCache drops answers cached before a rule changed; best
// effort, as ipconfig /flushdns.
func winFlushResolverCache() {
	if procDnsFlushResolverCache.Find() == nil {
		_, _, _ = procDnsFlushResolverCache.Call()
	}
}

// winBestRoute asks GetBestRoute2 for the path Windows takes to dst now.
func winBestRoute(dst netip.Addr) (winHop, error) {
	var dest, src winipcfg.RawSockaddrInet
	if err := dest.SetAddr(dst); err != nil {
		return winHop{}, err
	}
	var row winipcfg.MibIPforwardRow2
	if err := procGetBestRoute2.Find(); err != nil {
		return winHop{}, err
	}
	r, _, _ := procGetBestRoute2.Call(0, 0, 0, uintptr(unsafe.Pointer(&dest)), 0,
		uintptr(unsafe.Pointer(&row)), uintptr(unsafe.Pointer(&src)))
	if r != 0 {
		return winHop{}, windows.Errno(r)
	}
	hop := winHop{Index: row.InterfaceIndex}
	if nh := row.NextHop.Addr(); nh.IsValid() && !nh.IsUnspecified() {
		hop.NextHop = nh
	}
	ifrow, err := row.InterfaceLUID.Interface()
	if err != nil {
		return winHop{}, fmt.Errorf("look up interface %d: %w", row.InterfaceIndex, err)
	}
	hop.Name = ifrow.Alias()
	hop.Loopback = ifrow.Type == winipcfg.IfTypeSoftwareLoopback
	return hop, nil
}
