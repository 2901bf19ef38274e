package userguard

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func sess(user, tty, host string, kind Kind) Session {
	return Session{User: user, UID: -1, TTY: tty, Host: host, Kind: kind}
}

func staticSource(s []Session, err error) Source {
	return SourceFunc(func(context.Context) ([]Session, error) { return s, err })
}

func TestCheck(t *testing.T) {
	errBroken := errors.New("read utmp: open /var/run/utmp: permission denied")
	tests := []struct {
		name      string
		sessions  []Session
		srcErr    error
		wantUsers []string // non-nil: expect *TooManyUsersError with these users
		wantErr   error    // non-nil: expect errors.Is
	}{
		{name: "nobody"},
		{name: "one user one session", sessions: []Session{sess("alice", ":0", ":0", KindGraphical)}},
		{name: "one user many sessions", sessions: []Session{
			sess("alice", ":0", ":0", KindGraphical),
			sess("alice", "pts/0", "", KindTerminal),
			sess("alice", "pts/1", "10.0.0.5", KindRemote),
		}},
		{name: "only root on console", sessions: []Session{sess("root", "tty1", "", KindConsole)}},
		{name: "user and interactive root", sessions: []Session{
			sess("alice", ":0", ":0", KindGraphical),
			sess("root", "pts/3", "192.0.2.7", KindRemote),
		}, wantUsers: []string{"alice", "root"}},
		{name: "two users", sessions: []Session{
			sess("bob", "pts/1", "192.0.2.9", KindRemote),
			sess("alice", ":0", ":0", KindGraphical),
			sess("bob", "pts/2", "192.0.2.9", KindRemote),
		}, wantUsers: []string{"alice", "bob"}},
		{name: "three users", sessions: []Session{
			sess("carol", "tty2", "", KindConsole),
			sess("alice", ":0", ":0", KindGraphical),
			sess("bob", "pts/1", "192.0.2.9", KindRemote),
		}, wantUsers: []string{"alice", "bob", "carol"}},
		{name: "nameless session ignored", sessions: []Session{
			sess("alice", ":0", ":0", KindGraphical),
			sess("", "pts/9", "", KindUnknown),
		}},
		{name: "source error fails closed", srcErr: errBroken, wantErr: errBroken},
		{name: "not implemented fails closed", srcErr: ErrNotImplemented, wantErr: ErrNotImplemented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(context.Background(), staticSource(tt.sessions, tt.srcErr))
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Check = %v, want wrapping %v", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "list logged-in users: ") {
					t.Errorf("error %q does not say what failed", err)
				}
			case tt.wantUsers != nil:
				var tm *TooManyUsersError
				if !errors.As(err, &tm) {
					t.Fatalf("Check = %v, want *TooManyUsersError", err)
				}
				if strings.Join(tm.Users, ",") != strings.Join(tt.wantUsers, ",") {
					t.Errorf("Users = %v, want %v", tm.Users, tt.wantUsers)
				}
			default:
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
			}
		})
	}
}

func TestTooManyUsersErrorMessage(t *testing.T) {
	msg := (&TooManyUsersError{Users: []string{"alice", "bob"}}).Error()
	for _, want := range []string{"2 users are logged in", "alice, bob", "cvpn connects only while one person is logged in", "ask the others to log out"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

// scriptedSource replays a list of results, repeating the last one.
type scriptedSource struct {
	mu    sync.Mutex
	steps []func() ([]Session, error)
	calls int
}

func (s *scriptedSource) Sessions(context.Context) ([]Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := min(s.calls, len(s.steps)-1)
	s.calls++
	return s.steps[i]()
}

func ok(users ...string) func() ([]Session, error) {
	return func() ([]Session, error) {
		var out []Session
		for _, u := range users {
			out = append(out, sess(u, "pts/0", "", KindTerminal))
		}
		return out, nil
	}
}

func fail() ([]Session, error) { return nil, errors.New("read utmp: short read") }

func TestWatch(t *testing.T) {
	tests := []struct {
		name       string
		steps      []func() ([]Session, error)
		wantCalls  int  // source calls before Watch reports
		wantTooMny bool // reported error is *TooManyUsersError
	}{
		{name: "second user logs in", steps: []func() ([]Session, error){ok("alice"), ok("alice"), ok("alice", "bob")}, wantCalls: 3, wantTooMny: true},
		{name: "already two users", steps: []func() ([]Session, error){ok("alice", "bob")}, wantCalls: 1, wantTooMny: true},
		{name: "transient errors tolerated", steps: []func() ([]Session, error){fail, fail, ok("alice"), fail, fail, ok("alice", "bob")}, wantCalls: 6, wantTooMny: true},
		{name: "persistent errors reported", steps: []func() ([]Session, error){ok("alice"), fail}, wantCalls: 1 + maxSourceFailures},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &scriptedSource{steps: tt.steps}
			var reported []error
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := Watch(ctx, src, time.Millisecond, func(err error) { reported = append(reported, err) })
			if len(reported) != 1 {
				t.Fatalf("onViolation called %d times, want 1", len(reported))
			}
			if reported[0] != err {
				t.Errorf("Watch returned %v but reported %v", err, reported[0])
			}
			var tm *TooManyUsersError
			if got := errors.As(err, &tm); got != tt.wantTooMny {
				t.Errorf("Watch error %v: TooManyUsersError = %v, want %v", err, got, tt.wantTooMny)
			}
			if src.calls != tt.wantCalls {
				t.Errorf("source called %d times, want %d", src.calls, tt.wantCalls)
			}
		})
	}
}

func TestWatchStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src := &scriptedSource{steps: []func() ([]Session, error){ok("alice")}}
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, src, time.Millisecond, func(err error) { t.Errorf("unexpected violation: %v", err) })
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Watch = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}

func TestWatchRejectsBadInterval(t *testing.T) {
	err := Watch(context.Background(), staticSource(nil, nil), 0, func(error) { t.Error("unexpected violation") })
	if err == nil {
		t.Fatal("Watch with zero interval succeeded")
	}
}
