package netcfg

import (
	"errors"
	"runtime"
)

// ErrUnsupported is returned where this OS's network integration is not
// built yet.
var ErrUnsupported = errors.New("network configuration is not implemented on " + runtime.GOOS + " yet")
