package netcfg

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// The watch is one netlink subscription to the route groups of both
// families and one goroutine that matches each update against the
// recorded routes:
//
//	kernel ─▶ netlink socket ─▶ (netlink's reader) ─▶ ch ─▶ match ─▶ onChange
//
// Stop closes done, which closes the socket; netlink's reader then closes
// ch, and the matching goroutine drains it and ends. Stop returns only
// after that, so onChange is never called once Stop has returned.
//
// When the socket fails instead (ENOBUFS: the kernel had more updates
// than the socket's buffer held, as when a routing daemon loads a full
// table), netlink closes ch without done. Updates were lost, so the
// goroutine subscribes again (retrying each resubscribeEvery) and then
// compares every recorded route with the kernel's table (resync), so a
// removal hidden in the lost updates is still reported.

// RouteWatch is a running route watch.
type RouteWatch struct {
	done     chan struct{}
	finished chan struct{}
	once     sync.Once
}

// WatchRoutes watches the routes a records until Stop. The subscription
// exists when it returns, so any later change is seen. onChange is
// called from a single goroutine, one Change at a time. Routes whose
// device is already gone are not watched.
func WatchRoutes(a *Applied, onChange func(Change), logf Logf) (*RouteWatch, error) {
	return watchWith(system, subscribeRoutes, a, onChange, logf)
}

// subscribeFunc is netlink.RouteSubscribeWithOptions in the shape the
// watch needs; tests feed synthetic updates through it.
type subscribeFunc func(ch chan<- netlink.RouteUpdate, done <-chan struct{}, onErr func(error)) error

func subscribeRoutes(ch chan<- netlink.RouteUpdate, done <-chan struct{}, onErr func(error)) error {
	return netlink.RouteSubscribeWithOptions(ch, done, netlink.RouteSubscribeOptions{ErrorCallback: onErr})
}

func watchWith(nl netlinkOps, subscribe subscribeFunc, a *Applied, onChange func(Change), logf Logf) (*RouteWatch, error) {
	m := newRouteMatcher(nl, a)
	w := &RouteWatch{done: make(chan struct{}), finished: make(chan struct{})}
	ch := make(chan netlink.RouteUpdate, 64)
	onErr := func(err error) {
		select {
		case <-w.done: // the socket closing on Stop
		default:
			logf.printf("route watch: %v", err)
		}
	}
	if err := subscribe(ch, w.done, onErr); err != nil {
		close(w.done)
		return nil, fmt.Errorf("watch routes: %w", err)
	}
	go func() {
		defer close(w.finished)
		for {
			for u := range ch {
				select {
				case <-w.done:
					continue // stopping: drain until netlink closes ch
				default:
				}
				for _, c := range m.match(u) {
					onChange(c)
				}
			}
			if ch = w.resubscribe(subscribe, onErr, logf); ch == nil {
				return // stopped
			}
			for _, c := range m.resync() {
				onChange(c)
			}
		}
	}()
	return w, nil
}

// resubscribeEvery is how often a failed subscription is tried again.
var resubscribeEvery = time.Second

// resubscribe subscribes again after the socket failed, until it works
// or the watch stops (then it returns nil).
func (w *RouteWatch) resubscribe(subscribe subscribeFunc, onErr func(error), logf Logf) chan netlink.RouteUpdate {
	logged := false
	for {
		select {
		case <-w.done:
			return nil
		default:
		}
		ch := make(chan netlink.RouteUpdate, 64)
		err := subscribe(ch, w.done, onErr)
		if err == nil {
			logf.printf("route watch: route updates were lost; subscribed again and checking every route")
			return ch
		}
		if !logged {
			logf.printf("route watch: subscribing again failed (%v); retrying every %v", err, resubscribeEvery)
			logged = true
		}
		select {
		case <-w.done:
			return nil
		case <-time.After(resubscribeEvery):
		}
	}
}

// Stop ends the watch and waits until onChange can no longer be called.
// It is safe on a nil watch and more than once.
func (w *RouteWatch) Stop() {
	if w == nil {
		return
	}
	w.once.Do(func() { close(w.done) })
	<-w.finished
}

// routeMatcher tells which updates concern the recorded routes.
type routeMatcher struct {
	nl     netlinkOps
	routes []watchedRoute
}

type watchedRoute struct {
	AppliedRoute
	index  int // the device's link index; 0 for an unreachable route
	metric int // the metric as the kernel reports it
}

func newRouteMatcher(nl netlinkOps, a *Applied) *routeMatcher {
	m := &routeMatcher{nl: nl}
	for _, r := range a.Routes {
		wr := watchedRoute{AppliedRoute: r, metric: kernelMetric(r.Route)}
		if !r.Unreachable {
			l, err := nl.LinkByName(r.Device)
			if err != nil {
				continue // the device is gone, and its routes with it
			}
			wr.index = l.Attrs().Index
		}
		m.routes = append(m.routes, wr)
	}
	return m
}

// kernelMetric is the metric the kernel gives a route added with r.Metric:
// IPv6 turns 0 into 1024.
func kernelMetric(r Route) int {
	if r.Metric == 0 && r.Dst.Addr().Is6() {
		return 1024
	}
	return r.Metric
}

func (m *routeMatcher) match(u netlink.RouteUpdate) []Change {
	if u.Table != 0 && u.Table != unix.RT_TABLE_MAIN {
		return nil // policy routing tables are not where cvpn's routes live
	}
	dst, ok := updateDst(&u.Route)
	if !ok {
		return nil
	}
	var out []Change
	for _, r := range m.routes {
		if r.Dst.Masked() != dst {
			continue
		}
		ours := r.is(&u.Route)
		switch u.Type {
		case unix.RTM_DELROUTE:
			// A route that left with its device left because the
			// tunnel is going down, not because of another program.
			if ours && m.deviceExists(r) {
				out = append(out, Change{Kind: RouteRemoved, Route: r.AppliedRoute})
			}
		case unix.RTM_NEWROUTE:
			if ours {
				continue // ours again, e.g. restored
			}
			replaced := u.NlFlags&unix.NLM_F_REPLACE != 0 && u.Priority == r.metric
			if u.Priority < r.metric || replaced {
				out = append(out, Change{Kind: RouteOverridden, Route: r.AppliedRoute,
					ByDevice: m.linkName(u.LinkIndex), ByMetric: u.Priority})
			}
		}
	}
	return out
}

// resync compares each recorded route with the kernel's routes to its
// destination, for when updates were lost: a recorded route that is
// missing was removed, and another one with a lower metric overrides it.
func (m *routeMatcher) resync() []Change {
	var out []Change
	for _, r := range m.routes {
		if !m.deviceExists(r) {
			continue
		}
		ks, err := m.nl.RoutesTo(r.Dst.Masked())
		if err != nil {
			continue // cannot tell; the next update will
		}
		found := false
		var best *netlink.Route
		for i := range ks {
			k := &ks[i]
			if r.is(k) {
				found = true
			} else if k.Priority < r.metric && (best == nil || k.Priority < best.Priority) {
				best = k
			}
		}
		switch {
		case !found:
			out = append(out, Change{Kind: RouteRemoved, Route: r.AppliedRoute})
		case best != nil:
			out = append(out, Change{Kind: RouteOverridden, Route: r.AppliedRoute,
				ByDevice: m.linkName(best.LinkIndex), ByMetric: best.Priority})
		}
	}
	return out
}

// is reports whether k is the kernel's form of the recorded route.
func (r *watchedRoute) is(k *netlink.Route) bool {
	if k.Priority != r.metric {
		return false
	}
	if r.Unreachable {
		return k.Type == unix.RTN_UNREACHABLE
	}
	if k.Type != 0 && k.Type != unix.RTN_UNICAST {
		return false
	}
	if k.LinkIndex != r.index {
		return false
	}
	gw, _ := netip.AddrFromSlice(k.Gw)
	if r.Gateway.IsValid() {
		return gw.Unmap() == r.Gateway
	}
	return !gw.IsValid()
}

func (m *routeMatcher) deviceExists(r watchedRoute) bool {
	if r.Unreachable {
		return true
	}
	_, err := m.nl.LinkByIndex(r.index)
	return err == nil
}

func (m *routeMatcher) linkName(index int) string {
	if index == 0 {
		return ""
	}
	l, err := m.nl.LinkByIndex(index)
	if err != nil {
		return fmt.Sprintf("#%d", index)
	}
	return l.Attrs().Name
}

// updateDst is the destination of a route update; a missing Dst is the
// default route of its family.
func updateDst(k *netlink.Route) (netip.Prefix, bool) {
	if k.Dst == nil {
		switch k.Family {
		case unix.AF_INET:
			return netip.MustParsePrefix("0.0.0.0/0"), true
		case unix.AF_INET6:
			return netip.MustParsePrefix("::/0"), true
		}
		return netip.Prefix{}, false
	}
	a, ok := netip.AddrFromSlice(k.Dst.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	ones, bits := k.Dst.Mask.Size()
	if bits != a.BitLen() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, ones).Masked(), true
}

// RestoreRoute adds a recorded route again after another program removed
// it. It records nothing: the route is already in the Applied that
// Revert will undo. A route that exists again already is not an error.
func RestoreRoute(r AppliedRoute, logf Logf) error { return restoreWith(system, r, logf) }

func restoreWith(nl netlinkOps, r AppliedRoute, logf Logf) error {
	var nr *netlink.Route
	if r.Unreachable {
		nr = unreachableRoute(r.Route)
	} else {
		link, err := nl.LinkByName(r.Device)
		if err != nil {
			return fmt.Errorf("restore route %v: find interface %s: %w", r.Route, r.Device, err)
		}
		nr = &netlink.Route{LinkIndex: link.Attrs().Index, Dst: prefixNet(r.Dst.Masked()), Priority: r.Metric}
		if r.Gateway.IsValid() {
			nr.Gw = r.Gateway.AsSlice()
		}
	}
	if err := nl.RouteAdd(nr); err != nil {
		if errors.Is(err, syscall.EEXIST) {
			return nil
		}
		return fmt.Errorf("restore %s: %w", describe(r), err)
	}
	logf.printf("restored %s", describe(r))
	return nil
}
