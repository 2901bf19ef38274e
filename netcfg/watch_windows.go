//go:build windows

package netcfg

// RouteWatch is a running route watch; on this OS there is none.
type RouteWatch struct{}

// WatchRoutes is not implemented on this OS: it watches nothing and
// returns ErrUnsupported at once.
func WatchRoutes(a *Applied, onChange func(Change), logf Logf) (*RouteWatch, error) {
	return nil, ErrUnsupported
}

// Stop does nothing; it is safe on a nil watch.
func (w *RouteWatch) Stop() {}

// RestoreRoute is not implemented on this OS.
func RestoreRoute(r AppliedRoute, logf Logf) error { return ErrUnsupported }
