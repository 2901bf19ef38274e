package openvpn

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// logLines collects a session's log lines for tests that wait on them.
type logLines struct {
	mu    sync.Mutex
	lines []string
	times []time.Time
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
	l.times = append(l.times, time.Now())
	l.mu.Unlock()
}

// when returns the times of the lines containing sub.
func (l *logLines) when(sub string) []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []time.Time
	for i, line := range l.lines {
		if strings.Contains(line, sub) {
			out = append(out, l.times[i])
		}
	}
	return out
}

// waitAny waits for a line containing one of subs and returns it.
func (l *logLines) waitAny(t *testing.T, subs ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for seen := 0; time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		l.mu.Lock()
		lines := l.lines[seen:]
		seen = len(l.lines)
		l.mu.Unlock()
		for _, line := range lines {
			for _, s := range subs {
				if strings.Contains(line, s) {
					return line
				}
			}
		}
	}
	t.Fatalf("no log line containing any of %q", subs)
	return ""
}

// forgeControl sends p to the client as if from the fake server's session,
// which is what an on-path attacker can do when there is no tls-auth or
// tls-crypt.
func (f *fakeServer) forgeControl(t *testing.T, p packet.Control) {
	t.Helper()
	f.mu.Lock()
	s := f.sess
	f.mu.Unlock()
	p.SessionID = s.ssid
	wire, err := p.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pc.WriteToUDP(wire, s.peer); err != nil {
		t.Fatal(err)
	}
}

// TestServerSoftResetOnlyForExpectedKeyID: a server-initiated
// P_CONTROL_SOFT_RESET_V1 opens a key state only for the key id the client
// expects next (1 after key 0); one for any other id is ignored, counted
// and logged, so a single forged packet cannot start a renegotiation the
// server never asked for (and the reconnect its failure forces).
func TestServerSoftResetOnlyForExpectedKeyID(t *testing.T) {
	f := newFakeServer(t, func(int) string { return testPush })
	var logs, dbg logLines
	both := func(format string, args ...any) { logs.logf(format, args...); dbg.logf(format, args...) }
	s, err := Dial(t.Context(), testProfile(t, f.port()), newPipeDevice(), Options{Logf: both, Debugf: dbg.logf})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)

	for _, kid := range []packet.KeyID{5, 2, 7} {
		f.forgeControl(t, packet.Control{Opcode: packet.OpSoftResetV1, KeyID: kid})
		line := dbg.waitAny(t, fmt.Sprintf("server renegotiates: key %d", kid), fmt.Sprintf("SOFT_RESET for key %d", kid))
		if strings.Contains(line, "renegotiates") {
			t.Fatalf("a soft reset for unexpected key %d opened a key state: %q", kid, line)
		}
	}
	if got := s.Stats().IgnoredResets; got != 3 {
		t.Errorf("IgnoredResets = %d, want 3", got)
	}
	logs.mu.Lock()
	reported := 0
	for _, line := range logs.lines {
		if strings.Contains(line, "SOFT_RESET") {
			reported++
		}
	}
	logs.mu.Unlock()
	if reported != 1 {
		t.Errorf("%d refusals reached the log within %v, want 1 (rate-limited)", reported, logLimitInterval)
	}

	// The expected next key id is a real renegotiation.
	f.forgeControl(t, packet.Control{Opcode: packet.OpSoftResetV1, KeyID: 1})
	dbg.waitAny(t, "server renegotiates: key 1")
	// While key 1 negotiates, a reset for the key after it is refused too.
	f.forgeControl(t, packet.Control{Opcode: packet.OpSoftResetV1, KeyID: 2})
	if line := dbg.waitAny(t, "server renegotiates: key 2", "SOFT_RESET for key 2"); strings.Contains(line, "renegotiates") {
		t.Fatalf("a soft reset during a renegotiation opened another key state: %q", line)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
	if n := s.Stats().Reconnects; n != 0 {
		t.Errorf("%d reconnects", n)
	}
}

func TestLogLimiter(t *testing.T) {
	var r logLimiter
	t0 := time.Unix(1700000000, 0)
	steps := []struct {
		at         time.Duration
		ok         bool
		suppressed int
	}{
		{0, true, 0}, {time.Second, false, 0}, {9 * time.Second, false, 0},
		{logLimitInterval, true, 2}, {logLimitInterval + time.Second, false, 0},
		{3 * logLimitInterval, true, 1}, {3*logLimitInterval + time.Millisecond, false, 0},
	}
	for i, st := range steps {
		ok, n := r.allow(t0.Add(st.at))
		if ok != st.ok || n != st.suppressed {
			t.Fatalf("step %d at %v: allow = %v, %d; want %v, %d", i, st.at, ok, n, st.ok, st.suppressed)
		}
	}
}
