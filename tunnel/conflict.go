package tunnel

import (
	"fmt"
	"net/netip"

	"github.com/cvpn/cvpn/netcfg"
	"github.com/cvpn/cvpn/profile"
)

// ConflictError refuses a tunnel whose routes or addresses overlap those of
// a tunnel already connected: the kernel would send the shared destinations
// into whichever route is more specific or newer, silently taking traffic
// from the other VPN.
type ConflictError struct {
	Tunnel, Other string       // the refused tunnel and the connected one
	Mine, Theirs  netip.Prefix // the overlapping prefixes
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("the routes of %q conflict with the connected tunnel %q: %v overlaps %v; disconnect %q first",
		e.Tunnel, e.Other, e.Mine, e.Theirs, e.Other)
}

// checkConflict compares cfg, about to be applied for t, with every other
// tunnel's applied configuration. Called with m.netMu held.
func (m *Manager) checkConflict(t *Tunnel, cfg *netcfg.Config) error {
	return m.conflictWith(t.name, claimedPrefixes(cfg))
}

// checkProfileRoutes refuses early a profile whose own route lines already
// conflict with a connected tunnel, before anything is dialled.
func (m *Manager) checkProfileRoutes(p *profile.Profile) error {
	var mine []netip.Prefix
	for _, r := range p.Routing.Routes {
		if dst, _, warn := profileRoute(r, netip.Addr{}); warn == "" && dst.IsValid() {
			mine = append(mine, dst.Masked())
		}
	}
	for _, r := range p.Routing.Routes6 {
		mine = append(mine, r.Prefix.Masked())
	}
	if len(mine) == 0 {
		return nil
	}
	m.netMu.Lock()
	defer m.netMu.Unlock()
	return m.conflictWith(p.Name, mine)
}

// conflictWith returns a ConflictError if any of mine overlaps what
// another tunnel has applied. Called with m.netMu held.
func (m *Manager) conflictWith(name string, mine []netip.Prefix) error {
	for _, o := range m.running(name) {
		o.mu.Lock()
		oc := o.netConf
		o.mu.Unlock()
		if oc == nil {
			continue
		}
		if a, b, ok := overlap(mine, claimedPrefixes(oc)); ok {
			return &ConflictError{Tunnel: name, Other: o.name, Mine: a, Theirs: b}
		}
	}
	return nil
}

// claimedPrefixes is what a configuration takes over: its routes and the
// subnets of its addresses.
func claimedPrefixes(c *netcfg.Config) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(c.Routes)+len(c.Addresses))
	for _, r := range c.Routes {
		out = append(out, r.Dst.Masked())
	}
	for _, a := range c.Addresses {
		out = append(out, a.Masked())
	}
	return out
}

// overlap returns the first pair of prefixes, one from each list, that
// share addresses.
func overlap(a, b []netip.Prefix) (netip.Prefix, netip.Prefix, bool) {
	for _, x := range a {
		for _, y := range b {
			if x.Overlaps(y) {
				return x, y, true
			}
		}
	}
	return netip.Prefix{}, netip.Prefix{}, false
}
