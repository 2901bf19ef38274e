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
	// DNS is the name resolution to use while the tunnel is up; nil
	// leaves the system's DNS alone.
	DNS *DNS
	// Checkpoint, if set, is called with the record of what Apply has
	// done so far just before Apply overwrites a file whose original only
	// that record keeps (resolv.conf), so a crash cannot lose it. An
	// error stops Apply.
	Checkpoint func(*Applied) error `json:"-"`
}

// Route sends a destination prefix into the tunnel.
type Route struct {
	Dst netip.Prefix
	// Gateway is the next hop inside the tunnel; invalid means on-link.
	Gateway netip.Addr
	// Metric orders this route against others to the same destination.
	Metric int
}

func (r Route) String() string {
	s := r.Dst.String()
	if r.Gateway.IsValid() {
		s += " via " + r.Gateway.String()
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
	// Device the route points at: the tunnel, or for a bypass route the
	// interface that carried the destination before.
	Device string `json:"device"`
}

// Logf is how the network layer reports what it does; nil discards.
type Logf func(format string, args ...any)

func (l Logf) printf(format string, args ...any) {
	if l != nil {
		l(format, args...)
	}
}
