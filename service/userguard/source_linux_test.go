package userguard

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// deadPID cannot name a live process: Linux caps pid_max at 2^22.
const deadPID = 1 << 30

func TestUtmpSourceCheck(t *testing.T) {
	self := int32(os.Getpid()) // a pid that is certainly alive
	tests := []struct {
		name      string
		entries   []utmpEntry
		wantUsers []string // nil: Check must allow
	}{
		{name: "empty file"},
		{name: "getty only", entries: []utmpEntry{{typ: utmpLoginProcess, pid: self, line: "tty1", user: "LOGIN"}}},
		{name: "same user twice", entries: []utmpEntry{
			{typ: utmpUserProcess, pid: self, line: ":0", user: "alice", host: ":0"},
			{typ: utmpUserProcess, pid: self, line: "pts/0", user: "alice"},
		}},
		{name: "second user dead", entries: []utmpEntry{
			{typ: utmpUserProcess, pid: self, line: ":0", user: "alice", host: ":0"},
			{typ: utmpDeadProcess, pid: self, line: "pts/1", user: "bob"},
			{typ: utmpUserProcess, pid: deadPID, line: "pts/2", user: "carol", host: "192.0.2.4"},
		}},
		{name: "two users", entries: []utmpEntry{
			{typ: utmpUserProcess, pid: self, line: ":0", user: "alice", host: ":0"},
			{typ: utmpLoginProcess, pid: self, line: "tty1", user: "LOGIN"},
			{typ: utmpUserProcess, pid: self, line: "pts/1", user: "bob", host: "192.0.2.4"},
		}, wantUsers: []string{"alice", "bob"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "utmp")
			if err := os.WriteFile(path, craftUtmp(t, tt.entries...), 0o644); err != nil {
				t.Fatal(err)
			}
			err := Check(context.Background(), NewUtmpSource(path))
			if tt.wantUsers == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var tm *TooManyUsersError
			if !errors.As(err, &tm) || strings.Join(tm.Users, ",") != strings.Join(tt.wantUsers, ",") {
				t.Fatalf("Check = %v, want too many users %v", err, tt.wantUsers)
			}
		})
	}
}

func TestUtmpSourceMissingFileFailsClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-utmp")
	err := Check(context.Background(), NewUtmpSource(path))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Check = %v, want wrapping fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}

func TestPidAlive(t *testing.T) {
	if !pidAlive(os.Getpid()) {
		t.Error("own pid reported dead")
	}
	if !pidAlive(1) { // owned by root: alive even when we may not signal it
		t.Error("pid 1 reported dead")
	}
	if pidAlive(deadPID) {
		t.Error("impossible pid reported alive")
	}
}

// TestSystemSource is a smoke test against the real machine. Whatever it
// has (logind, a utmp file, or neither as in containers), the source must
// answer without error and say which backend it used.
func TestSystemSource(t *testing.T) {
	src := NewSystemSource()
	sessions, err := src.Sessions(context.Background())
	if err != nil {
		t.Fatalf("Sessions: %v", err)
	}
	t.Logf("backend %q, %d live sessions: %+v", src.Backend(), len(sessions), sessions)
	switch src.Backend() {
	case BackendLogind, BackendUtmp:
	case BackendNone:
		if _, err := os.Stat(DefaultUtmpPath); err == nil {
			t.Errorf("backend none although %s exists", DefaultUtmpPath)
		}
	default:
		t.Errorf("Backend = %q", src.Backend())
	}
}

// TestLinuxSourceFallback drives the Linux decision with a stand-in logind
// step and real utmp files.
func TestLinuxSourceFallback(t *testing.T) {
	self := int32(os.Getpid())
	dir := t.TempDir()
	utmpOK := filepath.Join(dir, "utmp")
	if err := os.WriteFile(utmpOK, craftUtmp(t, utmpEntry{typ: utmpUserProcess, pid: self, line: "pts/0", user: "root"}), 0o644); err != nil {
		t.Fatal(err)
	}
	utmpMissing := filepath.Join(dir, "missing")
	utmpUnreadable := dir // reading a directory fails even as root

	alice := []Session{{User: "alice", UID: 1000, TTY: "tty2", Kind: KindGraphical}}
	logindUp := func(context.Context) ([]Session, error) { return alice, nil }
	logindDown := func(context.Context) ([]Session, error) {
		return nil, unavailable(errors.New("connect to system bus: dial unix /run/dbus/system_bus_socket: no such file or directory"))
	}
	errDenied := errors.New("logind list sessions: access denied")
	logindFails := func(context.Context) ([]Session, error) { return nil, errDenied }

	tests := []struct {
		name        string
		logind      func(context.Context) ([]Session, error)
		utmp        string
		wantUsers   []string
		wantErr     bool
		wantBackend string
	}{
		{name: "logind answers", logind: logindUp, utmp: utmpMissing, wantUsers: []string{"alice"}, wantBackend: BackendLogind},
		{name: "logind answers, utmp ignored", logind: logindUp, utmp: utmpUnreadable, wantUsers: []string{"alice"}, wantBackend: BackendLogind},
		{name: "logind fails: no fallback", logind: logindFails, utmp: utmpOK, wantErr: true, wantBackend: BackendLogind},
		{name: "logind down, utmp", logind: logindDown, utmp: utmpOK, wantUsers: []string{"root"}, wantBackend: BackendUtmp},
		{name: "logind down, no utmp", logind: logindDown, utmp: utmpMissing, wantBackend: BackendNone},
		{name: "logind down, utmp unreadable", logind: logindDown, utmp: utmpUnreadable, wantErr: true, wantBackend: BackendUtmp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newLinuxSource(tt.logind, NewUtmpSource(tt.utmp).Sessions)
			sessions, err := src.Sessions(context.Background())
			if (err != nil) != tt.wantErr {
				t.Fatalf("Sessions = %+v, %v; want error %v", sessions, err, tt.wantErr)
			}
			if err != nil && Check(context.Background(), src) == nil {
				t.Error("Check allowed a failed source")
			}
			var users []string
			for _, s := range sessions {
				users = append(users, s.User)
			}
			if strings.Join(users, ",") != strings.Join(tt.wantUsers, ",") {
				t.Errorf("users = %v, want %v", users, tt.wantUsers)
			}
			if got := src.Backend(); got != tt.wantBackend {
				t.Errorf("Backend = %q, want %q", got, tt.wantBackend)
			}
		})
	}
}

func TestUtmpSourceLooksUpUIDs(t *testing.T) {
	self := int32(os.Getpid())
	path := filepath.Join(t.TempDir(), "utmp")
	data := craftUtmp(t,
		utmpEntry{typ: utmpUserProcess, pid: self, line: "tty1", user: "root"},
		utmpEntry{typ: utmpUserProcess, pid: self, line: "pts/1", user: "no-such-user-cvpn"},
	)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sessions, err := NewUtmpSource(path).Sessions(context.Background())
	if err != nil || len(sessions) != 2 {
		t.Fatalf("Sessions = %+v, %v", sessions, err)
	}
	if sessions[0].UID != 0 || sessions[1].UID != -1 {
		t.Errorf("uids = %d, %d; want 0 (root), -1 (unknown)", sessions[0].UID, sessions[1].UID)
	}
	if got := LocalUIDs(sessions); len(got) != 1 || got[0] != 0 {
		t.Errorf("LocalUIDs = %v, want [0]", got)
	}
}
