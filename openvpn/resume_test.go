package openvpn

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestSleepWatch(t *testing.T) {
	t0 := time.Now()
	tests := []struct {
		name      string
		mono      time.Duration // monotonic time between the readings
		skew      time.Duration // how far the wall clock moved beyond it
		wantSlept bool
	}{
		{"awake", 10 * time.Second, 0, false},
		{"NTP nudge", time.Second, 2 * time.Second, false},
		{"clock set back", time.Second, -time.Hour, false},
		{"just under the gap", time.Second, sleepGap - time.Millisecond, false},
		{"slept at the gap", time.Second, sleepGap, true},
		{"slept an hour", 0, time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w sleepWatch
			if _, ok := w.slept(t0, 0); ok {
				t.Fatal("the first reading reported a sleep")
			}
			lead, ok := w.slept(t0.Add(tt.mono), tt.skew)
			if ok != tt.wantSlept {
				t.Fatalf("slept = %v (lead %v), want %v", ok, lead, tt.wantSlept)
			}
			if ok && lead != tt.skew {
				t.Errorf("lead %v, want %v", lead, tt.skew)
			}
		})
	}
}

// TestSessionReconnectsAfterSleep moves the engine's wall clock an hour
// ahead while its monotonic clock runs on, as after a suspend: the session
// must restart at once rather than wait for ping-restart (10 s here).
func TestSessionReconnectsAfterSleep(t *testing.T) {
	f := newFakeServer(t, func(int) string { return testPush })
	s, err := Dial(t.Context(), testProfile(t, f.port()), newPipeDevice(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 1)
	start := time.Now()
	s.wallSkew.Store(int64(time.Hour))
	r.waitFor(t, StateConnected, 2)
	took := time.Since(start)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
	var cause error
	for _, ev := range r.events {
		if sc, ok := ev.(*StateChange); ok && sc.To == StateReconnecting {
			cause = sc.Err
		}
	}
	if !errors.Is(cause, errResumed) {
		t.Fatalf("reconnected because of %v, want the sleep", cause)
	}
	// The loop wakes for the 1 s keepalive at the latest; ping-restart
	// would take 10 s.
	if took > 5*time.Second {
		t.Errorf("reconnected %v after the wake-up, want at once", took)
	}
	t.Logf("reconnected %v after the clock jumped", took.Round(time.Millisecond))
}

// TestSessionSaysWhyItWaits points a session at a socket that never
// answers: while it retries, the connecting state must carry the reason
// and the next retry, for the CLI and GUI to show.
func TestSessionSaysWhyItWaits(t *testing.T) {
	silent, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	s, err := Dial(t.Context(), testProfile(t, silent.LocalAddr().(*net.UDPAddr).Port), newPipeDevice(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitUntil(t, "a waiting detail", func(evs []Event) bool {
		for _, ev := range evs {
			if sc, ok := ev.(*StateChange); ok && sc.From == StateConnecting && sc.To == StateConnecting &&
				strings.HasPrefix(sc.Detail, "waiting: server unreachable (no answer for ") && strings.Contains(sc.Detail, "retrying in ") {
				return true
			}
		}
		return false
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
}
