//go:build linux

package lab

import (
	"fmt"
	"net/netip"
)

// MaxIndex is the highest lab index. Every address plan below embeds the index
// in one octet, and 251..255 stay free as a margin.
const MaxIndex = 250

// In-namespace interface names. They can be constant because each lab has its
// own pair of namespaces; nothing is ever created in the root namespace.
const (
	ServerVeth = "veth-srv"
	ClientVeth = "veth-cli"
	TunDev     = "tun0"
)

// ulaPrefix is the lab's IPv6 unique-local /48: fd + "cvpn" in ASCII + 00.
// Subnet ids 0x00NN are links, 0x01NN are tunnel pools.
const ulaPrefix = "fd63:7670:6e00"

// Addressing is the address plan of lab number Index. It is a pure function
// of the index so that two labs never collide and a reader of a log can tell
// which lab an address belongs to.
//
//	link (veth)      198.18.N.0/24   server .1, client .2   (RFC 2544 range)
//	                 fd63:7670:6e00:N::/64     server ::1, client ::2
//	tunnel pool      198.19.N.0/24   server .1              (RFC 2544 range)
//	                 fd63:7670:6e00:1NN::/64   server ::1
//	pushed routes    172.16.0.0/12, one /24 per route, only ever installed in
//	                 the client namespace (see ServerOptions.PushRoutes)
//
// N is written in hex inside IPv6 addresses.
type Addressing struct {
	Index    int
	ServerNS string
	ClientNS string

	LinkPrefix    netip.Prefix
	ServerLinkIP  netip.Addr
	ClientLinkIP  netip.Addr
	LinkPrefix6   netip.Prefix
	ServerLinkIP6 netip.Addr
	ClientLinkIP6 netip.Addr

	TunnelPrefix  netip.Prefix
	ServerTunIP   netip.Addr
	TunnelPrefix6 netip.Prefix
	ServerTunIP6  netip.Addr
}

// AddressingFor returns the plan for lab index n (1..MaxIndex).
func AddressingFor(n int) (Addressing, error) {
	if n < 1 || n > MaxIndex {
		return Addressing{}, fmt.Errorf("lab index %d out of range 1..%d", n, MaxIndex)
	}
	link := netip.AddrFrom4([4]byte{198, 18, byte(n), 0})
	tun := netip.AddrFrom4([4]byte{198, 19, byte(n), 0})
	link6 := netip.MustParseAddr(fmt.Sprintf("%s:%x::", ulaPrefix, n))
	tun6 := netip.MustParseAddr(fmt.Sprintf("%s:%x::", ulaPrefix, 0x100+n))
	srv, cli := namespaceNames(n)
	return Addressing{
		Index:         n,
		ServerNS:      srv,
		ClientNS:      cli,
		LinkPrefix:    netip.PrefixFrom(link, 24),
		ServerLinkIP:  link.Next(),
		ClientLinkIP:  link.Next().Next(),
		LinkPrefix6:   netip.PrefixFrom(link6, 64),
		ServerLinkIP6: link6.Next(),
		ClientLinkIP6: link6.Next().Next(),
		TunnelPrefix:  netip.PrefixFrom(tun, 24),
		ServerTunIP:   tun.Next(),
		TunnelPrefix6: netip.PrefixFrom(tun6, 64),
		ServerTunIP6:  tun6.Next(),
	}, nil
}

// nsPrefix starts every namespace a lab creates; reaping relies on it.
const nsPrefix = "cvpn-lab-"

func namespaceNames(n int) (server, client string) {
	return defaultSpace().namespaces(n)
}

// pushedRoute returns the i-th extra route the server pushes: 172.16.0.0/24,
// 172.16.1.0/24, ... These point into the tunnel of an isolated namespace, so
// they cannot divert anything real.
func pushedRoute(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(16 + i/256), byte(i % 256), 0}), 24)
}

// prefixOf formats addr with the length of p, the form `ip addr add` wants.
func prefixOf(addr netip.Addr, p netip.Prefix) string {
	return netip.PrefixFrom(addr, p.Bits()).String()
}
