package userguard

import (
	"context"
	"errors"
	"strings"
	"testing"
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
