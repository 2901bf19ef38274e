package openvpn

import "time"

// Connect timing. With routine logging on (connect --foreground --verbose)
// the engine logs one line as each phase of the first connection ends:
//
//	timing: <phase> <ms>
//
// where <ms> is the time since the process started (this package's
// initialisation, a few milliseconds after exec), with one decimal, so
// tools can parse the breakdown of a connect. The phases, in order:
// dial (Dial called), resolved, transport (socket open), reset (the
// server answered the hard reset), tls (handshake done), key-method-2,
// push-reply, configured (the Configure hook returned) and tunnel-up
// (keys installed: the tunnel carries traffic). No phase is named like a
// state ("connected "), which tools and tests match in the same log.
// The tunnel manager adds tun-open in the same format.
var processStart = time.Now()

// timing logs phase's line, once per session per phase name: only the
// first connection's breakdown is what a user waits for.
func (s *Session) timing(phase string) {
	if s.logf == nil {
		return
	}
	s.timingMu.Lock()
	defer s.timingMu.Unlock()
	if s.timed == nil {
		s.timed = make(map[string]bool)
	}
	if s.timed[phase] {
		return
	}
	s.timed[phase] = true
	s.logf.printf("timing: %s %.1f", phase, float64(time.Since(processStart).Microseconds())/1000)
}
