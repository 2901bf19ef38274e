package netcfg

// The Windows side of the route watch (see windows_watch.go): route
// notifications from winipcfg.RegisterRouteChangeCallback
// (NotifyRouteChange2), table look-ups through IP Helper.
//
// THIS CODE HAS NEVER RUN ON WINDOWS. It compiles (GOOS=windows); the
// matching behind it is tested on Linux.

import (
	"fmt"
	"net/netip"

	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// RouteWatch is a running route watch.
type RouteWatch struct{ w *winWatch }

// WatchRoutes watches the routes a records until Stop. The subscription
// exists when it returns, so any later change is seen. onChange is
// called from a single goroutine, one Change at a time. Routes whose
// interface is already gone are not watched.
func WatchRoutes(a *Applied, onChange func(Change), logf Logf) (*RouteWatch, error) {
	w, err := startWinWatch(sysWinWatch{}, subscribeWinRoutes, a, onChange, logf)
	if err != nil {
		return nil, err
	}
	return &RouteWatch{w: w}, nil
}

// Stop ends the watch and waits until onChange can no longer be called.
// It is safe on a nil watch and more than once.
func (w *RouteWatch) Stop() {
	if w == nil || w.w == nil {
		return
	}
	w.w.stop()
}

// RestoreRoute adds a recorded route again after another program removed
// it. It records nothing: the route is already in the Applied that
// Revert will undo. A route that exists again already is not an error.
func RestoreRoute(r AppliedRoute, logf Logf) error { return restoreWindows(systemWinOps{}, r, logf) }

func subscribeWinRoutes(fn func(winRouteEvent)) (func() error, error) {
	cb, err := winipcfg.RegisterRouteChangeCallback(func(t winipcfg.MibNotificationType, row *winipcfg.MibIPforwardRow2) {
		ev := winRouteEvent{Index: row.InterfaceIndex, Dst: row.DestinationPrefix.Prefix(), Metric: row.Metric}
		switch t {
		case winipcfg.MibAddInstance:
			ev.Kind = winRouteAdded
		case winipcfg.MibDeleteInstance:
			ev.Kind = winRouteDeleted
		case winipcfg.MibParameterNotification:
			ev.Kind = winRouteChanged
		default:
			return
		}
		if nh := row.NextHop.Addr(); nh.IsValid() && !nh.IsUnspecified() {
			ev.NextHop = nh
		}
		fn(ev)
	})
	if err != nil {
		return nil, fmt.Errorf("register for route changes: %w", err)
	}
	return cb.Unregister, nil
}

// sysWinWatch answers the matcher's questions from IP Helper.
type sysWinWatch struct{}

func (sysWinWatch) IndexOf(name string) (uint32, error) { return systemWinOps{}.IndexOf(name) }

func (sysWinWatch) NameOf(index uint32) string {
	luid, err := winipcfg.LUIDFromIndex(index)
	if err == nil {
		if row, err := luid.Interface(); err == nil {
			return row.Alias()
		}
	}
	return fmt.Sprintf("#%d", index)
}

func (sysWinWatch) InterfaceMetric(index uint32, fam int) (uint32, error) {
	luid, err := winLUID(index)
	if err != nil {
		return 0, err
	}
	row, err := luid.IPInterface(winFamily(fam))
	if err != nil {
		return 0, winErr(err)
	}
	return row.Metric, nil
}

func (sysWinWatch) RouteExists(index uint32, dst netip.Prefix, nextHop netip.Addr) bool {
	luid, err := winLUID(index)
	if err != nil {
		return false
	}
	_, err = luid.Route(dst.Masked(), winNextHop(dst, nextHop))
	return err == nil
}
