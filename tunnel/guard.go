package tunnel

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The guard rule, in one place. Config.Guard says whether tunnels may run
// (one person logged in). Connect refuses on any Guard error: a tunnel
// never starts unchecked. While tunnels run, WatchGuard repeats the check
// and tells two kinds of error apart:
//
//   - a violation (the error has a Violation() method returning true: a
//     second user logged in) ends every tunnel at once;
//   - any other error means the check itself failed (utmp being rewritten,
//     a D-Bus hiccup). MaxGuardFailures of those in a row end every tunnel
//     too: one hiccup must not drop a working tunnel, but a check that
//     stays broken must, or breaking the login list would be a way to keep
//     a second user on the tunnel.

// GuardViolation is implemented by Guard errors that refuse outright.
type GuardViolation interface {
	Violation() bool
}

// ErrGuardUnsure is why WatchGuard ends the tunnels when the check itself
// keeps failing: without knowing who is logged in, a second user might be.
var ErrGuardUnsure = errors.New("cannot tell who is logged in")

// MaxGuardFailures is how many failed checks in a row WatchGuard tolerates.
const MaxGuardFailures = 3

func isViolation(err error) bool {
	v, ok := err.(GuardViolation)
	return ok && v.Violation()
}

// WatchGuard repeats the Config.Guard check every interval while any
// tunnel exists and, by the rule above, disconnects them all with a notice.
// It returns when ctx ends.
func (m *Manager) WatchGuard(ctx context.Context, interval time.Duration) {
	if m.cfg.Guard == nil {
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if m.Count() == 0 {
			failures = 0
			continue
		}
		err := m.cfg.Guard(ctx)
		switch {
		case err == nil:
			failures = 0
			continue
		case ctx.Err() != nil:
			return
		case !isViolation(err):
			failures++
			m.logf("user guard: check %d of %d failed: %v", failures, MaxGuardFailures, err)
			if failures < MaxGuardFailures {
				continue
			}
			err = fmt.Errorf("%w (%d checks in a row failed): %w", ErrGuardUnsure, failures, err)
		}
		failures = 0
		msg := "disconnected: " + err.Error()
		m.logf("user guard: %s", msg)
		m.bus.publish(Event{Kind: EventNotice, Message: msg})
		_ = m.disconnectAll(ctx, err)
	}
}
