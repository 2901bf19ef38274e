package userguard

import (
	"context"
	"fmt"
)

// NewSystemSource returns the session source for this machine.
//
// TODO(windows): enumerate sessions with WTSEnumerateSessions (x/sys/windows)
// and count WTSActive/WTSDisconnected sessions that have a user name;
// disconnected RDP sessions still hold a logged-in user. Until then the
// guard fails closed on Windows.
func NewSystemSource() Source {
	return SourceFunc(func(context.Context) ([]Session, error) {
		return nil, fmt.Errorf("windows terminal services sessions: %w", ErrNotImplemented)
	})
}
