package openvpn

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/push"
)

// TestSessionTimeoutWarnsAndReconnects: a pushed session-timeout is
// announced ahead of its end, and at the end the session connects again
// instead of stopping as a stock client would.
func TestSessionTimeoutWarnsAndReconnects(t *testing.T) {
	f := newFakeServer(t, func(n int) string {
		if n == 1 {
			return testPush + ",session-timeout 2"
		}
		return testPush
	})
	start := time.Now()
	s, err := Dial(t.Context(), testProfile(t, f.port()), newPipeDevice(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := record(s)
	r.waitFor(t, StateConnected, 2)
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("reconnected after %v, before the 2 s session-timeout", took)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r.checkEdges(t)
	var warned, ended bool
	for _, ev := range r.events {
		switch ev := ev.(type) {
		case *Warning:
			warned = warned || strings.Contains(ev.Message, "the server ends this session at")
		case *StateChange:
			ended = ended || (ev.Err != nil && strings.Contains(ev.Err.Error(), "session-timeout"))
		}
	}
	if !warned {
		t.Error("no warning ahead of the session's end")
	}
	if !ended {
		t.Error("no state change names the session-timeout as the reason to reconnect")
	}
}

func TestWarnAhead(t *testing.T) {
	for d, want := range map[time.Duration]time.Duration{
		10 * time.Second: 2 * time.Second,
		time.Hour:        5 * time.Minute,
		8 * time.Hour:    5 * time.Minute,
	} {
		if got := warnAhead(d); got != want {
			t.Errorf("warnAhead(%v) = %v, want %v", d, got, want)
		}
	}
}

func TestServerEndedReasons(t *testing.T) {
	for _, err := range []error{errServerExit, &restartError{&push.Restart{Message: "maintenance"}}} {
		if !errors.Is(err, ErrServerEnded) {
			t.Errorf("%v does not match ErrServerEnded", err)
		}
	}
	for _, err := range []error{errPingRestart, errHandshakeTimeout} {
		if errors.Is(err, ErrServerEnded) {
			t.Errorf("%v matches ErrServerEnded", err)
		}
	}
}

// The warning ahead of a session's end promises a reconnect only when
// there will be one.
func TestSessionEndWarning(t *testing.T) {
	end := time.Date(2025, 1, 2, 17, 30, 0, 0, time.Local)
	tests := []struct {
		name        string
		noReconnect bool
		want, never []string
	}{
		{"reconnects", false,
			[]string{"the server ends this session at 17:30 (in 5m0s)", "cvpn will then reconnect", "sign in again"},
			[]string{"auto-reconnect is off"}},
		{"no reconnect", true,
			[]string{"the server ends this session at 17:30 (in 5m0s)", "auto-reconnect is off", "disconnect", "connect again"},
			[]string{"will then reconnect", "reconnecting"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sessionEndWarning(end, 5*time.Minute+300*time.Millisecond, tt.noReconnect)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(got, n) {
					t.Errorf("%q says %q", got, n)
				}
			}
		})
	}
}

// A session that will not reconnect ends with ErrSessionExpired all the
// same, but without saying it signs in again.
func TestSessionExpiredFinal(t *testing.T) {
	var err error = errSessionExpiredFinal{}
	if !errors.Is(err, ErrSessionExpired) {
		t.Error("errSessionExpiredFinal is not ErrSessionExpired")
	}
	if strings.Contains(err.Error(), "signing in again") {
		t.Errorf("%q promises a new sign-in", err)
	}
}
