package openvpn

import (
	"errors"
	"fmt"
	"time"
)

// A session's lifetime. A server that limits how long a sign-in lasts
// pushes session-timeout (AWS Client VPN ends sessions at the endpoint's
// maximum session duration, 8 to 24 hours). A stock client simply exits
// then, and the user finds the VPN gone. cvpn warns ahead of the end and,
// when it comes, drops any auth-token and reconnects: the user is asked to
// sign in again (for AWS SAML, the browser opens again) and the tunnel's
// network settings stay as they are if the server pushes the same ones.
// With Options.NoReconnect the session ends there instead, and neither
// the warning nor the error promises otherwise.

// ErrSessionExpired ends a connection whose pushed session-timeout has
// run out; the session then signs in again.
var ErrSessionExpired = errors.New("the server's session time limit (session-timeout) was reached; signing in again")

// sessionLife is one connection's pushed lifetime; zero when none.
type sessionLife struct {
	end, warnAt time.Time
	warned      bool
	inactive    trafficMark // the profile's inactive timer (linklimits.go)
}

// warnAhead is how long before the end the user hears of it: five
// minutes, or a fifth of a shorter session.
func warnAhead(d time.Duration) time.Duration { return min(5*time.Minute, d/5) }

// startSessionLife arms the lifetime of a connection that came up at now.
func (l *link) startSessionLife(timeout time.Duration, now time.Time) {
	if timeout <= 0 {
		l.life = sessionLife{}
		return
	}
	end := now.Add(timeout)
	l.life = sessionLife{end: end, warnAt: end.Add(-warnAhead(timeout))}
	l.s.logf.printf("the server limits this session to %v (until %s)", timeout, end.Format("15:04:05"))
}

// checkSessionLife warns once ahead of the end, and ends the connection
// at the end.
func (l *link) checkSessionLife(now time.Time) error {
	if l.life.end.IsZero() {
		return nil
	}
	if !l.life.warned && !now.Before(l.life.warnAt) {
		l.life.warned = true
		l.s.warn("%s", sessionEndWarning(l.life.end, l.life.end.Sub(now), l.s.opts.NoReconnect))
	}
	if now.Before(l.life.end) {
		return nil
	}
	// A token would sign in again silently; the limit is there to make
	// the user do it.
	l.s.auth.setToken("", "")
	if l.s.opts.NoReconnect {
		return errSessionExpiredFinal{}
	}
	return fmt.Errorf("%w", ErrSessionExpired)
}

// sessionEndWarning is the warning ahead of a session's end at end, left
// from now. With Options.NoReconnect the tunnel ends then instead of
// reconnecting, and promising a reconnect would leave the user waiting
// for one that never comes.
func sessionEndWarning(end time.Time, left time.Duration, noReconnect bool) string {
	head := fmt.Sprintf("the server ends this session at %s (in %v)", end.Format("15:04"), left.Round(time.Second))
	if noReconnect {
		return head + "; auto-reconnect is off, so the VPN will then disconnect: connect again to sign in again"
	}
	return head + "; cvpn will then reconnect, and you may have to sign in again"
}

// errSessionExpiredFinal is ErrSessionExpired for a session that does not
// reconnect: its text leaves out "signing in again", which would not happen.
type errSessionExpiredFinal struct{}

func (errSessionExpiredFinal) Error() string {
	return "the server's session time limit (session-timeout) was reached"
}

func (errSessionExpiredFinal) Is(target error) bool { return target == ErrSessionExpired }

// sessionLifeDeadline is when checkSessionLife next has work.
func (l *link) sessionLifeDeadline() time.Time {
	switch {
	case l.life.end.IsZero():
		return time.Time{}
	case !l.life.warned:
		return l.life.warnAt
	}
	return l.life.end
}
