package netcfg

// The Windows route watch, split so that Linux can test it: this file (no
// build tag) matches route notifications against the recorded routes and
// runs the watch; watch_windows.go subscribes to NotifyRouteChange2
// through winipcfg.RegisterRouteChangeCallback.
//
//	IP Helper ─▶ winipcfg (a goroutine per notification) ─▶ callback ─▶ events ─▶ match ─▶ onChange
//
// winipcfg calls the callback from a new goroutine for every
// notification, so notifications arrive in no fixed order. Matching
// therefore asks the table before it reports: a route reported deleted
// must be missing now, an overriding route must exist now.
//
// Windows keys a route by interface, destination and next hop; the metric
// is a property. A route wins by the lowest effective metric, the route's
// own plus its interface's, which is what is compared (and reported as
// ByMetric).
//
// NONE OF THIS HAS RUN ON WINDOWS: the matching and the watch's life
// cycle are tested on Linux with synthetic notifications.

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
)

type winRouteEventKind int

const (
	winRouteAdded   winRouteEventKind = iota + 1 // MibAddInstance
	winRouteDeleted                              // MibDeleteInstance
	winRouteChanged                              // MibParameterNotification
)

// winRouteEvent is one route notification, reduced to what matching
// needs.
type winRouteEvent struct {
	Kind    winRouteEventKind
	Index   uint32
	Dst     netip.Prefix
	NextHop netip.Addr // invalid: on-link
	Metric  uint32     // the route's own metric
}

// winWatchOps is what matching asks the system.
type winWatchOps interface {
	IndexOf(name string) (uint32, error)
	// NameOf is an interface's alias, or "#index" if it has none.
	NameOf(index uint32) string
	// InterfaceMetric is the interface's metric for a family (4 or 6).
	InterfaceMetric(index uint32, family int) (uint32, error)
	// RouteExists reports whether the route is in the table now.
	RouteExists(index uint32, dst netip.Prefix, nextHop netip.Addr) bool
}

type winWatched struct {
	AppliedRoute
	index uint32
}

type winRouteMatcher struct {
	ops    winWatchOps
	routes []winWatched
}

func newWinRouteMatcher(ops winWatchOps, a *Applied) *winRouteMatcher {
	m := &winRouteMatcher{ops: ops}
	for _, r := range a.Routes {
		index, err := ops.IndexOf(r.Device)
		if err != nil {
			continue // the interface is gone, and its routes with it
		}
		m.routes = append(m.routes, winWatched{AppliedRoute: r, index: index})
	}
	return m
}

func (m *winRouteMatcher) match(ev winRouteEvent) []Change {
	dst := ev.Dst.Masked()
	var out []Change
	for _, r := range m.routes {
		if r.Dst.Masked() != dst {
			continue
		}
		ours := ev.Index == r.index && winSameHop(ev.NextHop, r.Gateway)
		switch ev.Kind {
		case winRouteDeleted:
			// A route that left with its interface left because the
			// tunnel is going down; one that is back already was
			// restored.
			if ours && m.interfaceExists(r) && !m.ops.RouteExists(r.index, r.Dst, r.Gateway) {
				out = append(out, Change{Kind: RouteRemoved, Route: r.AppliedRoute})
			}
		case winRouteAdded, winRouteChanged:
			if ours || !m.ops.RouteExists(ev.Index, ev.Dst, ev.NextHop) {
				continue
			}
			fam := 4
			if dst.Addr().Is6() {
				fam = 6
			}
			theirs, err1 := m.effective(ev.Index, ev.Metric, fam)
			mine, err2 := m.effective(r.index, uint32(r.Metric), fam)
			if err1 != nil || err2 != nil {
				continue // an interface went away meanwhile
			}
			if theirs < mine {
				out = append(out, Change{Kind: RouteOverridden, Route: r.AppliedRoute,
					ByDevice: m.ops.NameOf(ev.Index), ByMetric: int(theirs)})
			}
		}
	}
	return out
}

func (m *winRouteMatcher) effective(index, metric uint32, fam int) (uint64, error) {
	im, err := m.ops.InterfaceMetric(index, fam)
	if err != nil {
		return 0, err
	}
	return uint64(metric) + uint64(im), nil
}

func (m *winRouteMatcher) interfaceExists(r winWatched) bool {
	index, err := m.ops.IndexOf(r.Device)
	return err == nil && index == r.index
}

// winSameHop compares next hops, on-link (invalid or unspecified) alike.
func winSameHop(a, b netip.Addr) bool {
	onLink := func(x netip.Addr) bool { return !x.IsValid() || x.IsUnspecified() }
	if onLink(a) || onLink(b) {
		return onLink(a) && onLink(b)
	}
	return a.Unmap() == b.Unmap()
}

// winRouteSubscribe registers fn for route notifications; the function it
// returns unregisters fn and returns only when no call of fn is running.
type winRouteSubscribe func(fn func(winRouteEvent)) (unregister func() error, err error)

// winWatch is a running watch. Stop closes done, which releases any
// callback waiting to hand over an event, unregisters (waiting for the
// callbacks), then waits for the matching goroutine: onChange is never
// called once Stop has returned.
type winWatch struct {
	events     chan winRouteEvent
	done       chan struct{}
	finished   chan struct{}
	once       sync.Once
	unregister func() error
	logf       Logf
}

func startWinWatch(ops winWatchOps, subscribe winRouteSubscribe, a *Applied, onChange func(Change), logf Logf) (*winWatch, error) {
	m := newWinRouteMatcher(ops, a)
	w := &winWatch{events: make(chan winRouteEvent, 64), done: make(chan struct{}), finished: make(chan struct{}), logf: logf}
	unregister, err := subscribe(func(ev winRouteEvent) {
		select {
		case w.events <- ev:
		case <-w.done:
		}
	})
	if err != nil {
		return nil, fmt.Errorf("watch routes: %w", err)
	}
	w.unregister = unregister
	go func() {
		defer close(w.finished)
		for {
			select {
			case <-w.done:
				return
			case ev := <-w.events:
				for _, c := range m.match(ev) {
					select {
					case <-w.done:
						return
					default:
					}
					onChange(c)
				}
			}
		}
	}()
	return w, nil
}

func (w *winWatch) stop() {
	w.once.Do(func() {
		close(w.done)
		if err := w.unregister(); err != nil {
			w.logf.printf("route watch: unregister: %v", err)
		}
	})
	<-w.finished
}

// restoreWindows adds a recorded route again after another program
// removed it; one that exists again already is not an error.
func restoreWindows(ops winOps, r AppliedRoute, logf Logf) error {
	index, err := ops.IndexOf(r.Device)
	if err != nil {
		return fmt.Errorf("restore route %v: find interface %s: %w", r.Route, r.Device, err)
	}
	if err := ops.AddRoute(index, r.Dst.Masked(), r.Gateway, r.Metric); err != nil {
		if errors.Is(err, errWinExists) {
			return nil
		}
		return fmt.Errorf("restore %s: %w", describe(r), err)
	}
	logf.printf("restored %s", describe(r))
	return nil
}
