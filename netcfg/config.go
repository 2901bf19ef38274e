package netcfg

import (
	"errors"
	"fmt"
	"net/netip"
)

// Config is what a tunnel needs from the operating system's network stack,
// in terms any VPN protocol could produce.
type Config struct {
	// Interface is the TUN device's name.
	Interface string
	// MTU of the device; 0 leaves it as created.
	MTU int
	// Addresses of the device; the prefix length gives the on-link subnet.
	Addresses []netip.Prefix
	// PeerV4 is the far end for point-to-point (net30/p2p) addressing;
	// invalid for subnet topologies.
	PeerV4 netip.Addr
	// Routes to send into the tunnel.
	Routes []Route
	// Bypass lists destinations that must keep using the route they had
	// before the tunnel came up: the VPN server itself, so that a tunnel
	// taking over the default route does not swallow its own packets.
	Bypass []netip.Addr
	// BlockLocal sends the local networks into the tunnel too (OpenVPN's
	// redirect-gateway block-local): every IPv4 subnet of the interface
	// that carries the default route is split in two halves routed into
	// the tunnel, which beat the subnet's own on-link route, and the
	// local gateway keeps a host route outside it. Nothing is blocked
	// when a Bypass address (the VPN server) is itself on a local subnet.
	BlockLocal bool `json:",omitempty"`
	// BypassDHCP keeps the DHCP server that leased the default route's
	// interface its address outside the tunnel (redirect-gateway
	// bypass-dhcp). Like OpenVPN, only Windows acts on it: elsewhere the
	// DHCP server is on the local subnet, which def1 leaves alone.
	BypassDHCP bool `json:",omitempty"`
	// BlockOutsideDNS refuses DNS (port 53, UDP and TCP) to every server
	// not on the tunnel while it is up (block-outside-dns). Only Windows,
	// whose resolver asks every interface's servers, acts on it, through
	// WFP; on Linux and macOS the resolver configuration already sends
	// queries only to the tunnel's servers.
	BlockOutsideDNS bool `json:",omitempty"`
	// DNS is the name resolution to use while the tunnel is up; nil
	// leaves the system's DNS alone.
	DNS *DNS
	// Checkpoint, if set, is called with the record of what Apply has
	// done so far just before Apply overwrites a file whose original only
	// that record keeps (resolv.conf), so a crash cannot lose it. An
	// error stops Apply.
	Checkpoint func(*Applied) error `json:"-"`
}

// Route sends a destination prefix into the tunnel, or, with NetGateway
// or Unreachable set, keeps it out of the tunnel.
type Route struct {
	Dst netip.Prefix
	// Gateway is the next hop inside the tunnel; invalid means on-link.
	Gateway netip.Addr
	// Metric orders this route against others to the same destination.
	Metric int
	// NetGateway sends Dst the way the system sends it before the
	// tunnel's routes exist (OpenVPN's net_gateway): Apply looks that
	// path up and records the concrete route. Gateway must be invalid.
	NetGateway bool `json:",omitempty"`
	// Unreachable blocks Dst: the kernel refuses it at once ("no route
	// to host") instead of sending it anywhere. Gateway must be
	// invalid. Used to keep IPv6 from leaking around a tunnel that
	// carries IPv4 only.
	Unreachable bool `json:",omitempty"`
}

func (r Route) String() string {
	s := r.Dst.String()
	switch {
	case r.Unreachable:
		s = "unreachable " + s
	case r.Gateway.IsValid():
		s += " via " + r.Gateway.String()
	case r.NetGateway:
		s += " via net_gateway"
	}
	if r.Metric != 0 {
		s += fmt.Sprintf(" metric %d", r.Metric)
	}
	return s
}

// Validate reports the first inconsistency in c.
func (c *Config) Validate() error {
	if c.Interface == "" {
		return errors.New("network config: no interface name")
	}
	if c.MTU != 0 && (c.MTU < 576 || c.MTU > 65535) {
		return fmt.Errorf("network config: mtu %d out of range 576..65535", c.MTU)
	}
	for _, a := range c.Addresses {
		if !a.IsValid() {
			return fmt.Errorf("network config: invalid address %v", a)
		}
	}
	for _, r := range c.Routes {
		if !r.Dst.IsValid() {
			return fmt.Errorf("network config: invalid route destination in %v", r)
		}
		if r.Gateway.IsValid() && r.Gateway.Is4() != r.Dst.Addr().Is4() {
			return fmt.Errorf("network config: route %v mixes address families", r)
		}
		if (r.NetGateway || r.Unreachable) && (r.Gateway.IsValid() || r.NetGateway == r.Unreachable) {
			return fmt.Errorf("network config: route %v: net_gateway and unreachable take no gateway and exclude each other", r)
		}
	}
	return c.DNS.Validate()
}

// Applied records exactly what Apply changed, so that Revert undoes that and
// nothing else. It is plain data so the service can persist it and undo a
// crashed session's changes after a restart.
type Applied struct {
	Interface string         `json:"interface"`
	Addresses []netip.Prefix `json:"addresses,omitempty"`
	Routes    []AppliedRoute `json:"routes,omitempty"`
	DNS       *AppliedDNS    `json:"dns,omitempty"`
}

// AppliedRoute is one route Apply added.
type AppliedRoute struct {
	Route
	// Device the route points at: the tunnel, or for a bypass or
	// net_gateway route the interface that carried the destination
	// before (NetGateway is then false: the route is recorded as added).
	// Empty for an Unreachable route, which has no device.
	Device string `json:"device"`
}

// Logf is how the network layer reports what it does; nil discards.
type Logf func(format string, args ...any)

func (l Logf) printf(format string, args ...any) {
	if l != nil {
		l(format, args...)
	}
}
