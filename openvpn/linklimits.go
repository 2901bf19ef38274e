package openvpn

import (
	"errors"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/openvpn/datachannel"
)

// Limits the profile puts on a connection, as OpenVPN 2.6 applies them:
//
//	inactive N [bytes]   stop after N s in which the tunnel carried less than
//	                     bytes (any traffic, when bytes is 0); keepalives do
//	                     not count (forward.c:register_activity); the server
//	                     may push it too
//	session-timeout N    stop N s after the connection started
//	                     (forward.c:check_session_timeout); a session-timeout
//	                     the server pushes is different: see sessionlife.go
//	reneg-bytes/-pkts    renegotiate once the current key carried that much,
//	                     both directions together (ssl.c:tls_process)
//
// All are checked on the control loop's timers against counters the data
// path keeps anyway, so they cost the data path nothing.

// Reasons a session stops because of the profile's own limits. They reach
// the user as the session's end, so they say what happened and what to do.
var (
	// ErrInactive ends a session that carried too little traffic for the
	// profile's inactive time.
	ErrInactive = errors.New("disconnected after a period without traffic (the profile's inactive setting)")
	// ErrSessionTimeout ends a session that reached the profile's
	// session-timeout.
	ErrSessionTimeout = errors.New("disconnected at the end of the session time the profile allows (session-timeout)")
)

// limitCheckInterval is how often the traffic limits are looked at.
const limitCheckInterval = time.Second

// trafficMark remembers the tunnel traffic when inactivity was last reset.
type trafficMark struct {
	bytes uint64
	at    time.Time
}

// tunnelBytes is the IP traffic through the tunnel so far, both ways.
func (s *Session) tunnelBytes() uint64 { return s.cnt.txBytes.Load() + s.cnt.rxBytes.Load() }

// startLimits arms the profile's limits for a connection that came up now.
func (l *link) startLimits(now time.Time) {
	l.life.inactive = trafficMark{bytes: l.s.tunnelBytes(), at: now}
}

// checkLimits ends the connection when inactive or session-timeout ran
// out; it is called on every tick while connected.
func (l *link) checkLimits(now time.Time) error {
	t := &l.s.prof.Timers
	if d := t.SessionTimeout; d > 0 && now.Sub(l.started) >= d {
		l.s.logf.printf("session-timeout %v reached: disconnecting", d)
		return fatal(fmt.Errorf("%w: %v after connecting; connect again to continue", ErrSessionTimeout, d))
	}
	if d, minBytes := l.inactiveLimit(); d > 0 {
		if total := l.s.tunnelBytes(); total-l.life.inactive.bytes >= uint64(max(minBytes, 1)) {
			l.life.inactive = trafficMark{bytes: total, at: now}
		}
		if now.Sub(l.life.inactive.at) >= d {
			what := "no traffic"
			if minBytes > 0 {
				what = fmt.Sprintf("less than %d bytes of traffic", minBytes)
			}
			l.s.logf.printf("inactive: %s for %v: disconnecting", what, d)
			return fatal(fmt.Errorf("%w: %s for %v; connect again when needed", ErrInactive, what, d))
		}
	}
	return nil
}

// inactiveLimit is the inactive time and traffic floor in force: what the
// server pushed, else the profile's (a pushed option overrides the
// profile's, as in 2.6, where inactive is a pushable timer option).
func (l *link) inactiveLimit() (time.Duration, int64) {
	if p := l.pushed; p != nil && p.Inactive > 0 {
		return p.Inactive, p.InactiveBytes
	}
	return l.s.prof.Timers.Inactive, l.s.prof.Timers.InactiveBytes
}

// limitsDeadline is when checkLimits next needs to run.
func (l *link) limitsDeadline(now time.Time) time.Time {
	t := &l.s.prof.Timers
	var next time.Time
	earlier := func(d time.Time) {
		if next.IsZero() || d.Before(next) {
			next = d
		}
	}
	if t.SessionTimeout > 0 {
		earlier(l.started.Add(t.SessionTimeout))
	}
	inactive, _ := l.inactiveLimit()
	if inactive > 0 {
		earlier(l.life.inactive.at.Add(inactive))
	}
	// Traffic moves the inactivity deadline and the rekey point without
	// waking the control loop, so look again every limitCheckInterval.
	if inactive > 0 || t.RenegBytes > 0 || t.RenegPkts > 0 {
		earlier(now.Add(limitCheckInterval))
	}
	return next
}

// rekeyByTraffic reports whether the profile's reneg-bytes or reneg-pkts
// asks for a new key: 2.6 counts what the key carried in both directions,
// as the data channel's counters do.
func (l *link) rekeyByTraffic(dc *datachannel.Channel) (bool, string) {
	t := &l.s.prof.Timers
	if dc == nil || (t.RenegBytes <= 0 && t.RenegPkts <= 0) {
		return false, ""
	}
	st := dc.Stats()
	if b := st.BytesIn + st.BytesOut; t.RenegBytes > 0 && b >= uint64(t.RenegBytes) {
		return true, fmt.Sprintf("%d bytes on this key (reneg-bytes %d)", b, t.RenegBytes)
	}
	if p := st.PacketsIn + st.PacketsOut; t.RenegPkts > 0 && p >= uint64(t.RenegPkts) {
		return true, fmt.Sprintf("%d packets on this key (reneg-pkts %d)", p, t.RenegPkts)
	}
	return false, ""
}
