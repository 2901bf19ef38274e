package openvpn

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/openvpntest"
)

// pushNoCCExit is testPush without cc-exit, so goodbyes go as OCC_EXIT
// datagrams; exit names explicit-exit-notify's count.
func pushNoCCExit(exit string) string {
	return strings.Replace(testPush, "protocol-flags cc-exit,explicit-exit-notify 1", "explicit-exit-notify "+exit, 1)
}

// TestProfileLimitsEndTheSession: the profile's inactive and
// session-timeout stop the session (as 2.6 exits) with a reason that says
// so; traffic keeps an inactive session up.
func TestProfileLimitsEndTheSession(t *testing.T) {
	tests := []struct {
		name    string
		push    string // appended to the PUSH_REPLY
		inact   time.Duration
		minB    int64
		timeout time.Duration
		traffic bool
		want    error
		after   time.Duration // the session must last at least this long
	}{
		{"inactive without traffic", "", 600 * time.Millisecond, 0, 0, false, ErrInactive, 600 * time.Millisecond},
		{"inactive with too little traffic", "", 1500 * time.Millisecond, 1 << 20, 0, true, ErrInactive, 1500 * time.Millisecond},
		{"session-timeout despite traffic", "", 0, 0, 1200 * time.Millisecond, true, ErrSessionTimeout, 1200 * time.Millisecond},
		{"inactive kept up by traffic, then session-timeout", "", 600 * time.Millisecond, 0, 2500 * time.Millisecond, true, ErrSessionTimeout, 2500 * time.Millisecond},
		{"pushed inactive overrides the profile's", ",inactive 1", time.Hour, 0, 0, false, ErrInactive, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeServer(t, func(int) string { return testPush + tt.push })
			prof := testProfile(t, f.port())
			prof.Timers.Inactive, prof.Timers.InactiveBytes, prof.Timers.SessionTimeout = tt.inact, tt.minB, tt.timeout
			dev := newPipeDevice()
			s, err := Dial(t.Context(), prof, dev, Options{})
			if err != nil {
				t.Fatal(err)
			}
			r := record(s)
			r.waitFor(t, StateConnected, 1)
			start := time.Now()
			if tt.traffic {
				pkt := openvpntest.UDPPacket([4]byte{10, 8, 0, 2}, [4]byte{10, 8, 0, 1}, "keepalive")
				stop := make(chan struct{})
				defer close(stop)
				go func() {
					tk := time.NewTicker(100 * time.Millisecond)
					defer tk.Stop()
					for {
						select {
						case <-stop:
							return
						case <-s.Done():
							return
						case <-tk.C:
							select {
							case dev.In <- pkt:
							default:
							}
						}
					}
				}()
			}
			select {
			case <-s.Done():
			case <-time.After(15 * time.Second):
				t.Fatal("the session did not stop")
			}
			err = s.Wait()
			if !errors.Is(err, tt.want) {
				t.Fatalf("session ended with %v, want %v", err, tt.want)
			}
			if took := time.Since(start); took < tt.after-100*time.Millisecond {
				t.Errorf("stopped after %v, before %v", took, tt.after)
			}
			if n := s.Stats().Reconnects; n != 0 {
				t.Errorf("%d reconnects; the limit must stop the session", n)
			}
			r.checkEdges(t)
			var exiting bool
			for _, ev := range r.events {
				if sc, ok := ev.(*StateChange); ok && sc.To == StateExiting {
					exiting = true
				}
			}
			if !exiting {
				t.Error("no goodbye to the server (explicit-exit-notify)")
			}
		})
	}
}

// TestRenegPktsRekeys: reneg-pkts starts a renegotiation once the key
// carried that many packets (keepalives included, as in 2.6).
func TestRenegPktsRekeys(t *testing.T) {
	f := newFakeServer(t, func(int) string { return testPush })
	prof := testProfile(t, f.port())
	prof.Timers.RenegPkts = 4
	var logs logLines
	s, err := Dial(t.Context(), prof, newPipeDevice(), Options{Logf: logs.logf})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	line := logs.waitAny(t, "renegotiating: key 1")
	if !strings.Contains(line, "reneg-pkts 4") {
		t.Errorf("renegotiation does not name its cause: %q", line)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
}

// TestExitNotifyPaced: explicit-exit-notify 3 without cc-exit sends three
// OCC_EXIT datagrams about a second apart, and Close returns right after
// the last.
func TestExitNotifyPaced(t *testing.T) {
	f := newFakeServer(t, func(int) string { return pushNoCCExit("3") })
	var lines logLines
	s, err := Dial(t.Context(), testProfile(t, f.port()), newPipeDevice(), Options{Debugf: lines.logf})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	sent := lines.when("sent exit notification")
	if len(sent) != 3 {
		t.Fatalf("%d exit notifications sent, want 3", len(sent))
	}
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-1]); gap < 800*time.Millisecond {
			t.Errorf("exit notifications %d and %d %v apart", i, i+1, gap)
		}
	}
	if took < 1800*time.Millisecond || took > 4*time.Second {
		t.Errorf("Close took %v, want about 2 s", took)
	}
	r.checkEdges(t)
}
