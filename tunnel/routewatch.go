package tunnel

import (
	"errors"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/netcfg"
)

// Route watch. While a tunnel's configuration is applied, netcfg watches
// the routes it recorded. When another program removes one, or adds one
// that wins over it, the tunnel logs it and publishes an EventWarning
// that names the route and says what to do. With Request.EnforceRoutes
// (AWS calls it Client Route Enforcement) a removed route is also put
// back. Routes other programs add are never removed: they are not ours.
//
// The watch starts after a successful Apply and stops before any Revert
// (both under Manager.netMu), so the routes the tunnel removes itself are
// never reported. A fight with another program is bounded: at most
// maxRestores restores per tunnel in any minute, after which the tunnel
// says so once and stops enforcing; reports are bounded the same way.
//
// The same watch compares the DNS settings cvpn made (its resolv.conf, or
// the link's settings in systemd-resolved) with what it set, and warns
// when another program has changed them. With enforcement on, it sets
// them again, bounded like routes (maxRestores a minute, then it stops
// enforcing DNS and says so). DNS reports come from the DNS watch's own
// goroutine, so they use fields of their own (dnsRestores, dnsGaveUp).

const (
	maxRestores = 10 // per tunnel, in any window
	maxReports  = 10
	limitWindow = time.Minute
)

// routeWatch is a tunnel's watch. stop is guarded by Manager.netMu; the
// rest belongs to the watch's goroutine (one at a time: a watch is
// stopped, and waited for, before the next starts).
type routeWatch struct {
	stop    func()
	enforce bool
	// applied is what the watch watches; set before it starts.
	applied *netcfg.Applied

	dnsRestores []time.Time
	dnsGaveUp   bool

	restores, reports []time.Time
	gaveUp            bool // stopped enforcing after too many restores
	muted             bool // said that reports are being held back
}

// dnsPollInterval is how often the DNS watch compares resolv.conf with
// what cvpn wrote.
const dnsPollInterval = 2 * time.Second

// watchRoutes is Hooks.Watch: netcfg.WatchRoutes, and netcfg.WatchDNS
// when Apply wrote resolv.conf. The two report from their own
// goroutines.
func watchRoutes(a *netcfg.Applied, onChange func(netcfg.Change), logf netcfg.Logf) (func(), error) {
	w, err := netcfg.WatchRoutes(a, onChange, logf)
	if err != nil {
		return nil, err
	}
	d := netcfg.WatchDNS(a, dnsPollInterval, onChange)
	return func() { d.Stop(); w.Stop() }, nil
}

// startRouteWatch watches what a records. Called with netMu held.
func (t *Tunnel) startRouteWatch(a *netcfg.Applied) {
	watch := t.m.cfg.Hooks.Watch
	if watch == nil || len(a.Routes) == 0 && a.DNS == nil {
		return
	}
	t.rw.applied = a
	stop, err := watch(a, t.onRouteChange, t.logf)
	switch {
	case errors.Is(err, netcfg.ErrUnsupported):
		if t.rw.enforce {
			t.warn("route enforcement is not available on this system: routes other programs remove are not put back")
		}
	case err != nil:
		t.warn(fmt.Sprintf("cannot watch the tunnel's routes (%v): changes other programs make to them will go unnoticed", err))
	default:
		t.rw.stop = stop
	}
}

// stopRouteWatch ends the watch and waits for its last report. Called
// with netMu held, before a Revert.
func (t *Tunnel) stopRouteWatch() {
	if t.rw.stop != nil {
		t.rw.stop()
		t.rw.stop = nil
	}
}

func (t *Tunnel) warn(msg string) {
	t.logf("warning: %s", msg)
	t.m.bus.publish(Event{Kind: EventWarning, Tunnel: t.name, Message: msg})
}

// onRouteChange is the watch's callback.
func (t *Tunnel) onRouteChange(c netcfg.Change) {
	if c.Kind == netcfg.DNSChanged {
		t.onDNSChange(c)
		return
	}
	now := time.Now()
	rw := &t.rw
	msg := routeChangeMessage(t.dev, c)
	switch {
	case c.Kind != netcfg.RouteRemoved:
		msg += overrideAdvice(c)
	case !rw.enforce:
		msg += "; reconnect to add it again, or connect with route enforcement (cvpn connect --enforce-routes) to have cvpn put it back"
	case rw.gaveUp:
		msg += "; not put back: route enforcement is off for this connection after too many restores"
	case !allow(&rw.restores, maxRestores, now):
		rw.gaveUp = true
		msg += fmt.Sprintf("; not put back: cvpn already restored routes %d times in the last minute, so another program keeps removing them. "+
			"Route enforcement is now off for this connection; find and stop that program (a DHCP client, another VPN, a network manager), then reconnect", maxRestores)
		t.warn(msg) // said once, whatever the report limit
		return
	default:
		if err := t.m.cfg.Hooks.Restore(c.Route, t.logf); err != nil {
			msg += fmt.Sprintf("; putting it back failed (%v): reconnect to add it again", err)
		} else {
			msg += "; cvpn put it back (route enforcement is on)"
		}
	}
	if allow(&rw.reports, maxReports, now) {
		rw.muted = false
		t.warn(msg)
		return
	}
	if !rw.muted {
		rw.muted = true
		t.warn(fmt.Sprintf("the tunnel's routes changed more than %d times in the last minute; further changes are not reported until that calms down", maxReports))
	}
}

// onDNSChange is the DNS watch's report, from its own goroutine: it
// touches only the dns fields of rw. The watch reports each new content
// once, at most every dnsPollInterval.
func (t *Tunnel) onDNSChange(c netcfg.Change) {
	rw := &t.rw
	msg := fmt.Sprintf("%s was changed by another program; names may no longer be resolved through the VPN's DNS servers", c.Path)
	switch {
	case !rw.enforce:
		msg += ". Reconnect to set it again, or connect with route enforcement (cvpn connect --enforce-routes), which keeps DNS too; " +
			"on disconnect cvpn leaves the other program's settings as they are"
	case rw.dnsGaveUp:
		msg += "; not set again: DNS enforcement is off for this connection after too many restores"
	case !allow(&rw.dnsRestores, maxRestores, time.Now()):
		rw.dnsGaveUp = true
		msg += fmt.Sprintf("; not set again: cvpn already did so %d times in the last minute, so another program keeps changing it. "+
			"DNS enforcement is now off for this connection; find and stop that program (a DHCP client, NetworkManager, another VPN), then reconnect", maxRestores)
	default:
		if err := t.m.cfg.Hooks.RestoreDNS(rw.applied, t.logf); err != nil {
			msg += fmt.Sprintf("; setting it again failed (%v): reconnect to set it", err)
		} else {
			msg += "; cvpn set it again (route enforcement is on)"
		}
	}
	t.warn(msg)
}

// allow records an occurrence at now and reports whether fewer than limit
// happened in the window before it (the refused ones are not recorded).
func allow(times *[]time.Time, limit int, now time.Time) bool {
	kept := (*times)[:0]
	for _, at := range *times {
		if now.Sub(at) < limitWindow {
			kept = append(kept, at)
		}
	}
	*times = kept
	if len(kept) >= limit {
		return false
	}
	*times = append(kept, now)
	return true
}

// routeChangeMessage says what happened in the user's terms.
func routeChangeMessage(tunDev string, c netcfg.Change) string {
	r := c.Route
	switch {
	case r.Unreachable && c.Kind == netcfg.RouteRemoved:
		return fmt.Sprintf("the block on %v was removed by another program; that traffic may now leave outside the VPN", r.Dst)
	case r.Unreachable:
		return fmt.Sprintf("the block on %v is overridden by another program's route%s (metric %d); that traffic may now leave outside the VPN",
			r.Dst, via(c.ByDevice), c.ByMetric)
	case r.Device != tunDev && c.Kind == netcfg.RouteRemoved:
		return fmt.Sprintf("route %v via %s, which keeps the VPN server outside the tunnel, was removed by another program; the tunnel may stop working", r.Dst, r.Device)
	case r.Device != tunDev:
		return fmt.Sprintf("route %v via %s, which keeps the VPN server outside the tunnel, is overridden by another program's route%s (metric %d); the tunnel may stop working",
			r.Dst, r.Device, via(c.ByDevice), c.ByMetric)
	case c.Kind == netcfg.RouteRemoved:
		return fmt.Sprintf("route %v via %s was removed by another program; traffic to it no longer goes through the VPN", r.Dst, r.Device)
	}
	return fmt.Sprintf("route %v via %s is overridden by another program's route%s (metric %d); traffic to it no longer goes through the VPN",
		r.Dst, r.Device, via(c.ByDevice), c.ByMetric)
}

func via(dev string) string {
	if dev == "" {
		return ""
	}
	return " via " + dev
}

func overrideAdvice(c netcfg.Change) string {
	del := "ip route del " + c.Route.Dst.String()
	if c.ByDevice != "" {
		del += " dev " + c.ByDevice
	}
	return fmt.Sprintf("; remove that route (%s) or stop the program that added it, then reconnect (route enforcement puts back removed routes but never removes other programs' routes)", del)
}
