package userguard

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// rawUtmp mirrors glibc's struct utmp field by field, so writing it with
// encoding/binary checks the parser's hand-written offsets independently.
type rawUtmp struct {
	Type     int16
	_        [2]byte
	PID      int32
	Line     [32]byte
	ID       [4]byte
	User     [32]byte
	Host     [256]byte
	ExitTerm int16
	ExitCode int16
	Session  int32
	TVSec    int32
	TVUsec   int32
	AddrV6   [4]int32
	Reserved [20]byte
}

type utmpEntry struct {
	typ              int16
	pid              int32
	line, user, host string
}

// craftUtmp builds the bytes of a utmp file holding entries.
func craftUtmp(t testing.TB, entries ...utmpEntry) []byte {
	t.Helper()
	if n := binary.Size(rawUtmp{}); n != utmpRecordSize {
		t.Fatalf("rawUtmp is %d bytes, want %d", n, utmpRecordSize)
	}
	var buf bytes.Buffer
	for i, e := range entries {
		r := rawUtmp{Type: e.typ, PID: e.pid, Session: int32(i), TVSec: 1_700_000_000 + int32(i)}
		copy(r.Line[:], e.line)
		copy(r.ID[:], e.line)
		copy(r.User[:], e.user)
		copy(r.Host[:], e.host)
		if err := binary.Write(&buf, binary.LittleEndian, &r); err != nil {
			t.Fatalf("write utmp record: %v", err)
		}
	}
	return buf.Bytes()
}

func TestParseUtmp(t *testing.T) {
	long := "abcdefghijklmnopqrstuvwxyz012345" // fills ut_user with no NUL
	data := craftUtmp(t,
		utmpEntry{typ: 2, pid: 0, line: "~", user: "reboot", host: "6.1.0"}, // BOOT_TIME
		utmpEntry{typ: utmpLoginProcess, pid: 500, line: "tty1", user: "LOGIN"},
		utmpEntry{typ: utmpUserProcess, pid: 1000, line: "pts/0", user: "alice", host: "192.0.2.1"},
		utmpEntry{typ: utmpUserProcess, pid: 1001, line: "tty2", user: long},
	)
	recs := parseUtmp(data)
	if len(recs) != 4 {
		t.Fatalf("parsed %d records, want 4", len(recs))
	}
	want := utmpRecord{Type: utmpUserProcess, PID: 1000, Line: "pts/0", User: "alice", Host: "192.0.2.1", Session: 2, TVSec: 1_700_000_002}
	if recs[2] != want {
		t.Errorf("record 2 = %+v, want %+v", recs[2], want)
	}
	if recs[3].User != long {
		t.Errorf("full-width user = %q, want %q", recs[3].User, long)
	}
	if recs[1].Type != utmpLoginProcess || recs[0].Host != "6.1.0" {
		t.Errorf("records 0/1 = %+v / %+v", recs[0], recs[1])
	}

	// A record being appended while we read is ignored, not fatal.
	if got := parseUtmp(data[:len(data)-100]); len(got) != 3 {
		t.Errorf("with partial tail: parsed %d records, want 3", len(got))
	}
	if got := parseUtmp(nil); len(got) != 0 {
		t.Errorf("empty file: parsed %d records", len(got))
	}
}

func TestUtmpSessions(t *testing.T) {
	alive := func(pid int) bool { return pid < 9000 } // pids ≥ 9000 are "dead"
	tests := []struct {
		name    string
		entries []utmpEntry
		want    []Session
	}{
		{
			name: "only live user processes count",
			entries: []utmpEntry{
				{typ: utmpLoginProcess, pid: 400, line: "tty1", user: "LOGIN"},
				{typ: utmpDeadProcess, pid: 401, line: "pts/4", user: "mallory"},
				{typ: utmpUserProcess, pid: 9001, line: "pts/5", user: "ghost", host: "198.51.100.3"}, // stale
				{typ: utmpEmpty},
				{typ: utmpUserProcess, pid: 1200, line: ":0", user: "alice", host: ":0"},
			},
			want: []Session{{User: "alice", UID: -1, TTY: ":0", Host: ":0", Kind: KindGraphical, PID: 1200}},
		},
		{
			name: "kinds",
			entries: []utmpEntry{
				{typ: utmpUserProcess, pid: 1, line: "tty3", user: "alice"},
				{typ: utmpUserProcess, pid: 2, line: "pts/1", user: "alice"},
				{typ: utmpUserProcess, pid: 3, line: "pts/2", user: "bob", host: "2001:db8::1"},
				{typ: utmpUserProcess, pid: 4, line: "tty7", user: "carol", host: ":1"},
				{typ: utmpUserProcess, pid: 5, line: "weird", user: "dave"},
				{typ: utmpUserProcess, pid: 0, line: "pts/9", user: "nopid"},
				{typ: utmpUserProcess, pid: 6, line: "pts/9"}, // no user name
			},
			want: []Session{
				{User: "alice", UID: -1, TTY: "tty3", Kind: KindConsole, PID: 1},
				{User: "alice", UID: -1, TTY: "pts/1", Kind: KindTerminal, PID: 2},
				{User: "bob", UID: -1, TTY: "pts/2", Host: "2001:db8::1", Kind: KindRemote, PID: 3},
				{User: "carol", UID: -1, TTY: "tty7", Host: ":1", Kind: KindGraphical, PID: 4},
				{User: "dave", UID: -1, TTY: "weird", Kind: KindUnknown, PID: 5},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := utmpSessions(parseUtmp(craftUtmp(t, tt.entries...)), alive)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d sessions %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("session %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
