package netcfg

// DNS on macOS: the scutil script that publishes cvpn's own service in
// configd's dynamic store. Like the rest of the macOS layer it is
// golden-tested on Linux only (testdata/darwin/dns-*.golden).

import (
	"fmt"
	"net/netip"
	"strings"
)

// darwinDNSOp publishes a service of cvpn's own in configd's dynamic
// store, as vpnc-script does: State:/Network/Service/cvpn-IFACE/DNS with
// the servers and search domains, and an IPv4 (and IPv6) entry naming the
// interface, without which configd ignores the service. Split DNS
// (RouteDomains) becomes SupplementalMatchDomains: configd makes a scoped
// resolver for those names. Default makes the service primary
// (OverridePrimary), so its servers answer everything. A tunnel with
// neither default nor route domains matches its search domains, so that
// its servers are used for something.
func darwinDNSOp(cfg Config) darwinOp {
	d := cfg.DNS
	id := darwinServiceID(cfg.Interface)
	var b strings.Builder
	b.WriteString("d.init\n")
	if len(d.Servers) > 0 {
		servers := make([]string, len(d.Servers))
		for i, s := range d.Servers {
			servers[i] = s.Addr().String() // configd takes no port; a non-53 port is dropped
		}
		fmt.Fprintf(&b, "d.add ServerAddresses * %s\n", strings.Join(servers, " "))
	}
	if len(d.SearchDomains) > 0 {
		fmt.Fprintf(&b, "d.add SearchDomains * %s\n", strings.Join(d.SearchDomains, " "))
	}
	match := d.RouteDomains
	if !d.Default && len(match) == 0 {
		match = d.SearchDomains
	}
	if len(match) > 0 {
		fmt.Fprintf(&b, "d.add SupplementalMatchDomains * %s\n", strings.Join(match, " "))
	}
	fmt.Fprintf(&b, "set State:/Network/Service/%s/DNS\n", id)
	var v4, v6, masks, plens []string
	for _, a := range cfg.Addresses {
		if a.Addr().Is4() {
			v4 = append(v4, a.Addr().String())
			masks = append(masks, darwinMask(a))
		} else {
			v6 = append(v6, a.Addr().String())
			plens = append(plens, fmt.Sprint(a.Bits()))
		}
	}
	primary := ""
	if d.Default {
		primary = "d.add OverridePrimary # 1\n"
	}
	if len(v4) > 0 {
		fmt.Fprintf(&b, "d.init\nd.add Addresses * %s\nd.add SubnetMasks * %s\nd.add InterfaceName %s\n%sset State:/Network/Service/%s/IPv4\n",
			strings.Join(v4, " "), strings.Join(masks, " "), cfg.Interface, primary, id)
	}
	if len(v6) > 0 {
		fmt.Fprintf(&b, "d.init\nd.add Addresses * %s\nd.add PrefixLength * %s\nd.add InterfaceName %s\n%sset State:/Network/Service/%s/IPv6\n",
			strings.Join(v6, " "), strings.Join(plens, " "), cfg.Interface, primary, id)
	}
	b.WriteString("quit\n")
	rec := &AppliedDNS{Mode: darwinSCUtilMode, Link: id, Written: []byte(b.String())}
	return darwinOp{Kind: darwinSCUtil, Stdin: b.String(), DNS: rec,
		Log: fmt.Sprintf("dns %v through configd service %s", d, id)}
}

func darwinMask(p netip.Prefix) string {
	var m [4]byte
	for i := 0; i < p.Bits(); i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(m).String()
}
