package openvpn

import (
	"errors"
	"fmt"
	"time"
)

// Noticing that the machine slept. A laptop that wakes after an hour holds
// a session the server dropped long ago, a NAT mapping that expired and
// perhaps a new network; waiting for ping-restart (often two minutes on
// pushed keepalives) to find out leaves the user without a VPN for that
// long. Go's monotonic clock stands still during a suspend while the wall
// clock keeps going, so when the wall clock has run ahead of the monotonic
// one by more than sleepGap between two wake-ups of the control loop, the
// machine slept (or its clock was stepped far forward, which NTP does not
// do in normal operation): the connection is restarted at once.

// sleepGap is the smallest wall-clock lead taken for a suspend. Smaller
// steps happen when NTP corrects a drifting clock and are harmless.
const sleepGap = 15 * time.Second

// errResumed ends a connection after the machine slept; the session
// reconnects without pausing.
var errResumed = errors.New("the machine slept; the server has likely dropped this session")

// sleepWatch compares the wall-clock and monotonic time that passed
// between two readings. Run loop only.
type sleepWatch struct {
	mono, wall time.Time // the previous reading: with and without its monotonic part
}

// slept returns how far the wall clock ran ahead of the monotonic clock
// since the last call, if that is more than sleepGap. skew is added to the
// wall reading; it is zero outside tests, which move the wall clock with it.
func (w *sleepWatch) slept(now time.Time, skew time.Duration) (time.Duration, bool) {
	wall := now.Round(0).Add(skew) // Round(0) strips the monotonic reading
	prevMono, prevWall := w.mono, w.wall
	w.mono, w.wall = now, wall
	if prevMono.IsZero() {
		return 0, false
	}
	lead := wall.Sub(prevWall) - now.Sub(prevMono)
	return lead, lead >= sleepGap
}

// checkSlept ends a working connection when the machine slept since the
// control loop last woke.
func (l *link) checkSlept(now time.Time) error {
	lead, ok := l.sleep.slept(now, time.Duration(l.s.wallSkew.Load()))
	if !ok || !l.connected {
		return nil
	}
	l.s.logf.printf("the machine slept for about %v; reconnecting now", lead.Round(time.Second))
	return fmt.Errorf("%w (the wall clock moved %v ahead of the monotonic clock)", errResumed, lead.Round(time.Second))
}
