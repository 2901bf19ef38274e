package userguard

import (
	"context"
	"fmt"
)

// NewSystemSource returns the session source for this machine.
//
// TODO(darwin): read utmpx (/var/run/utmpx, whose record layout differs from
// glibc utmp) or use getutxent through x/sys; until then the guard fails
// closed on macOS.
func NewSystemSource() Source {
	return SourceFunc(func(context.Context) ([]Session, error) {
		return nil, fmt.Errorf("darwin utmpx: %w", ErrNotImplemented)
	})
}
