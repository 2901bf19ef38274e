package userguard

import (
	"context"
	"errors"
	"sync/atomic"
)

// Names of the backends a SystemSource can report.
const (
	BackendLogind = "logind" // systemd-logind (or elogind) over the system D-Bus, Linux
	BackendUtmp   = "utmp"   // the glibc utmp file, Linux without logind
	BackendUtmpx  = "utmpx"  // /var/run/utmpx, macOS
	BackendWTS    = "wts"    // Windows Terminal Services sessions
	BackendNone   = "none"   // the machine keeps no record of logins (containers, CI)
)

// SystemSource is the machine's session source. It asks the backends the OS
// offers in order of preference and moves on to the next one only when a
// backend is absent from the machine (no system bus, no utmp file) — never
// when a backend is present but fails, because a backend that answers badly
// must not be a way to skip to a more lenient one: the guard fails closed.
//
// When every backend is absent the machine does not track logins at all,
// which is the normal state of a container or a CI runner; Sessions then
// returns an empty list and no error, and Backend reports BackendNone.
// Removing every backend takes root on the machine, and root can switch the
// guard off anyway, so this opens nothing that was closed. It is still a
// weaker guard than the others, which is why Backend exists: the service
// should log it.
type SystemSource struct {
	backends []backend
	last     atomic.Value // string: the backend that answered the last call
}

// backend is one way of listing sessions. sessions wraps its error in
// unavailable when the backend does not exist on this machine.
type backend struct {
	name     string
	sessions func(ctx context.Context) ([]Session, error)
}

func newSystemSource(backends ...backend) *SystemSource {
	return &SystemSource{backends: backends}
}

// Sessions lists the sessions from the first backend present on the
// machine. See SystemSource for the fallback rules.
func (s *SystemSource) Sessions(ctx context.Context) ([]Session, error) {
	for _, b := range s.backends {
		sessions, err := b.sessions(ctx)
		if err != nil && isUnavailable(err) && ctx.Err() == nil {
			continue
		}
		s.last.Store(b.name)
		if err != nil {
			return nil, err
		}
		return sessions, nil
	}
	s.last.Store(BackendNone)
	return nil, nil
}

// Backend names the backend that answered the most recent Sessions call
// (successfully or with an error), one of the Backend* constants, or ""
// before the first call. It is safe to call concurrently with Sessions;
// with concurrent calls it reports whichever finished last.
func (s *SystemSource) Backend() string {
	name, _ := s.last.Load().(string)
	return name
}

// unavailableError marks a backend failure that means "this backend does
// not exist here" (as opposed to "it exists and failed"), so SystemSource
// may try the next one. Its message is the underlying error's.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }

func unavailable(err error) error { return &unavailableError{err: err} }

func isUnavailable(err error) bool {
	var u *unavailableError
	return errors.As(err, &u)
}
