package netcfg

// The machine's interfaces for the Windows plan (winView.Interfaces):
// GetAdaptersAddresses for addresses, on-link prefix lengths and the
// DHCPv4 server, the IPv4 forwarding table for the default route.
//
// THIS CODE HAS NEVER RUN ON WINDOWS. Unverified: that the route Windows
// prefers is the 0.0.0.0/0 row with the lowest route metric plus
// interface metric, which is how Windows documents its choice.

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// winInterfaces lists the interfaces that are up.
func winInterfaces() ([]winIface, error) {
	adapters, err := winipcfg.GetAdaptersAddresses(windows.AF_UNSPEC,
		winipcfg.GAAFlagIncludeGateways|winipcfg.GAAFlagSkipMulticast|winipcfg.GAAFlagSkipAnycast|winipcfg.GAAFlagSkipDNSServer)
	if err != nil {
		return nil, fmt.Errorf("list adapters: %w", err)
	}
	defIndex, defGateway := winDefaultRoute()
	var out []winIface
	for _, a := range adapters {
		if a.OperStatus != winipcfg.IfOperStatusUp {
			continue
		}
		i := winIface{Index: a.IfIndex, Name: a.FriendlyName(), Loopback: a.IfType == winipcfg.IfTypeSoftwareLoopback}
		if i.Index == 0 {
			i.Index = a.IPv6IfIndex // an IPv6-only adapter
		}
		for u := a.FirstUnicastAddress; u != nil; u = u.Next {
			ip, ok := netip.AddrFromSlice(u.Address.IP())
			if !ok {
				continue
			}
			if p := netip.PrefixFrom(ip.Unmap().WithZone(""), int(u.OnLinkPrefixLength)); p.IsValid() {
				i.Prefixes = append(i.Prefixes, p)
			}
		}
		if a.DHCPv4Server.Sockaddr != nil {
			if ip, ok := netip.AddrFromSlice(a.DHCPv4Server.IP()); ok {
				i.DHCPServer = ip.Unmap()
			}
		}
		if a.IfIndex != 0 && a.IfIndex == defIndex {
			i.Default, i.Gateway = true, defGateway
		}
		out = append(out, i)
	}
	return out, nil
}

// winDefaultRoute is the interface and gateway of the IPv4 default route
// Windows prefers: lowest route metric plus interface metric. 0 if none.
func winDefaultRoute() (uint32, netip.Addr) {
	rows, err := winipcfg.GetIPForwardTable2(windows.AF_INET)
	if err != nil {
		return 0, netip.Addr{}
	}
	var best uint32
	var gw netip.Addr
	bestMetric := ^uint64(0)
	for i := range rows {
		r := &rows[i]
		if r.DestinationPrefix.Prefix().Bits() != 0 {
			continue
		}
		metric := uint64(r.Metric)
		if row, err := r.InterfaceLUID.IPInterface(windows.AF_INET); err == nil {
			metric += uint64(row.Metric)
		}
		if metric < bestMetric {
			bestMetric, best = metric, r.InterfaceIndex
			gw = r.NextHop.Addr()
			if gw.IsUnspecified() {
				gw = netip.Addr{}
			}
		}
	}
	return best, gw
}
