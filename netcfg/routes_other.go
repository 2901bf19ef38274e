//go:build !linux && !darwin && !windows

package netcfg

// Apply is not yet implemented on this OS.
func Apply(cfg Config, logf Logf) (*Applied, error) { return nil, ErrUnsupported }

// Revert is not yet implemented on this OS.
func Revert(a *Applied, logf Logf) error { return ErrUnsupported }
