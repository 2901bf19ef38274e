package netcfg

import "fmt"

// Watching routes: while a tunnel is up, another program (a DHCP client,
// a second VPN, an administrator) may remove a route cvpn added, or add
// one that wins over it. WatchRoutes reports either as a Change so that
// the tunnel manager can tell the user and, if asked to, put a removed
// route back with RestoreRoute. A watch must be stopped before Revert:
// the routes Revert removes are not another program's doing.

// ChangeKind says what happened to a recorded route.
type ChangeKind int

// Kinds of Change.
const (
	// RouteRemoved: the recorded route is gone.
	RouteRemoved ChangeKind = iota + 1
	// RouteOverridden: a route to the same destination on another
	// device now wins over the recorded one (a lower metric, or it
	// replaced the recorded route in place).
	RouteOverridden
	// DNSChanged: the DNS settings Apply made (Path names them: a
	// resolv.conf, systemd-resolved's link settings, a configd key) no
	// longer hold what cvpn set.
	DNSChanged
)

func (k ChangeKind) String() string {
	switch k {
	case RouteRemoved:
		return "removed"
	case RouteOverridden:
		return "overridden"
	case DNSChanged:
		return "dns changed"
	}
	return fmt.Sprintf("ChangeKind(%d)", int(k))
}

// Change is something another program did to a route Apply recorded.
type Change struct {
	Kind ChangeKind
	// Route is the recorded route concerned.
	Route AppliedRoute
	// ByDevice and ByMetric describe the route that overrides it
	// (RouteOverridden only); ByDevice is empty for a route without a
	// device (unreachable, blackhole).
	ByDevice string
	ByMetric int
	// Path names the DNS settings that changed (DNSChanged only).
	Path string
}

func (c Change) String() string {
	if c.Kind == DNSChanged {
		return c.Path + " was changed"
	}
	s := describe(c.Route)
	switch c.Kind {
	case RouteRemoved:
		return s + " was removed"
	case RouteOverridden:
		by := "a route"
		if c.ByDevice != "" {
			by += " dev " + c.ByDevice
		}
		return fmt.Sprintf("%s is overridden by %s metric %d", s, by, c.ByMetric)
	}
	return s + " changed"
}

// describe names a recorded route as a user would look for it in
// "ip route": "route 10.20.0.0/16 via 10.8.0.1 dev tun0".
func describe(r AppliedRoute) string {
	s := "route " + r.Route.String()
	if r.Device != "" {
		s += " dev " + r.Device
	}
	return s
}
