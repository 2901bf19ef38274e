//go:build !linux

package netcfg

import (
	"errors"
	"runtime"
)

// ErrUnsupported is returned where this OS's network integration is not
// built yet.
var ErrUnsupported = errors.New("network configuration is not implemented on " + runtime.GOOS + " yet")

// Apply is not yet implemented on this OS.
func Apply(cfg Config, logf Logf) (*Applied, error) { return nil, ErrUnsupported }

// Revert is not yet implemented on this OS.
func Revert(a *Applied, logf Logf) error { return ErrUnsupported }
