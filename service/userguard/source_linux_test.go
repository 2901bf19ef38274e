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

// TestSystemSource is a smoke test against the real machine; containers
// often have no utmp at all, which is fine to skip.
func TestSystemSource(t *testing.T) {
	if _, err := os.Stat(DefaultUtmpPath); err != nil {
		t.Skipf("no %s: %v", DefaultUtmpPath, err)
	}
	sessions, err := NewSystemSource().Sessions(context.Background())
	if err != nil {
		t.Fatalf("Sessions: %v", err)
	}
	t.Logf("%d live sessions: %+v", len(sessions), sessions)
}
