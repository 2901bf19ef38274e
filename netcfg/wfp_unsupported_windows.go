//go:build windows && !amd64 && !arm64

package netcfg

import (
	"fmt"
	"runtime"
)

// OpenWFP: the WFP structures in wfp_windows.go are laid out for 64-bit
// Windows only, so on this architecture the filters cannot be added and
// a config that needs them fails to apply.
func (systemWinOps) OpenWFP(name string) (wfpSession, error) {
	return nil, fmt.Errorf("wfp: not built for windows/%s (only amd64 and arm64): %w", runtime.GOARCH, ErrUnsupported)
}
