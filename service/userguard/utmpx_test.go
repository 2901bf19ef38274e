package userguard

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// rawUtmpx mirrors Libc's struct utmpx32 field by field, with the
// compiler's padding spelled out, so writing it with encoding/binary checks
// the parser's hand-written offsets independently.
type rawUtmpx struct {
	User   [256]byte
	ID     [4]byte
	Line   [32]byte
	PID    int32
	Type   int16
	_      [2]byte // struct timeval32 is 4-aligned
	TVSec  int32
	TVUsec int32
	Host   [256]byte
	Pad    [16]uint32
}

type utmpxEntry struct {
	typ              int16
	pid              int32
	line, user, host string
}

// craftUtmpx builds a utmpx file: the signature record, then entries.
func craftUtmpx(t testing.TB, entries ...utmpxEntry) []byte {
	t.Helper()
	if n := binary.Size(rawUtmpx{}); n != utmpxRecordSize {
		t.Fatalf("rawUtmpx is %d bytes, want %d", n, utmpxRecordSize)
	}
	all := append([]utmpxEntry{{typ: utmpxSignature, user: utmpxVersion}}, entries...)
	var buf bytes.Buffer
	for i, e := range all {
		r := rawUtmpx{Type: e.typ, PID: e.pid, TVSec: 1_700_000_000 + int32(i)}
		copy(r.User[:], e.user)
		copy(r.ID[:], e.line)
		copy(r.Line[:], e.line)
		copy(r.Host[:], e.host)
		if err := binary.Write(&buf, binary.LittleEndian, &r); err != nil {
			t.Fatalf("write utmpx record: %v", err)
		}
	}
	return buf.Bytes()
}

func TestParseUtmpx(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), 256)) // fills ut_user with no NUL
	data := craftUtmpx(t,
		utmpxEntry{typ: 2, line: "~", user: "reboot"}, // BOOT_TIME
		utmpxEntry{typ: utmpxUserProcess, pid: 140, line: "console", user: "alice"},
		utmpxEntry{typ: utmpxUserProcess, pid: 2001, line: "ttys001", user: "bob", host: "203.0.113.9"},
		utmpxEntry{typ: utmpxUserProcess, pid: 2002, line: "ttys002", user: long},
	)
	recs, ok := parseUtmpx(data)
	if !ok || len(recs) != 4 {
		t.Fatalf("parsed %d records (ok %v), want 4: the header is not a record", len(recs), ok)
	}
	want := utmpRecord{Type: utmpxUserProcess, PID: 2001, Line: "ttys001", User: "bob", Host: "203.0.113.9", TVSec: 1_700_000_003}
	if recs[2] != want {
		t.Errorf("record 2 = %+v, want %+v", recs[2], want)
	}
	if recs[3].User != long {
		t.Errorf("full-width user has %d bytes, want 256", len(recs[3].User))
	}
	if recs[0].Type != 2 || recs[1].Line != "console" {
		t.Errorf("records 0/1 = %+v / %+v", recs[0], recs[1])
	}

	if got, ok := parseUtmpx(data[:len(data)-100]); !ok || len(got) != 3 {
		t.Errorf("with partial tail: %d records (ok %v), want 3", len(got), ok)
	}
	if got, ok := parseUtmpx(nil); !ok || len(got) != 0 {
		t.Errorf("empty file: %d records (ok %v), want none and ok", len(got), ok)
	}
	if got, ok := parseUtmpx(data[:utmpxRecordSize]); !ok || len(got) != 0 {
		t.Errorf("header only: %d records (ok %v), want none and ok", len(got), ok)
	}
}

func TestParseUtmpxRejectsForeignFiles(t *testing.T) {
	good := craftUtmpx(t, utmpxEntry{typ: utmpxUserProcess, pid: 1, line: "console", user: "alice"})
	badVersion := bytes.Clone(good)
	copy(badVersion[utmpxOffUser:], "utmpx-2.00")
	badType := bytes.Clone(good)
	badType[utmpxOffType] = utmpxUserProcess
	tests := map[string][]byte{
		"glibc utmp file":     craftUtmp(t, utmpEntry{typ: utmpUserProcess, pid: 1, line: "pts/0", user: "alice"}, utmpEntry{}),
		"wrong version":       badVersion,
		"header type":         badType,
		"shorter than header": good[:utmpxRecordSize-1],
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if recs, ok := parseUtmpx(data); ok {
				t.Errorf("parsed %+v, want rejection", recs)
			}
		})
	}
}

func TestUtmpxSessions(t *testing.T) {
	alive := func(pid int) bool { return pid < 9000 }
	entries := []utmpxEntry{
		{typ: utmpxUserProcess, pid: 140, line: "console", user: "alice"},
		{typ: utmpxUserProcess, pid: 141, line: "ttys000", user: "alice"},
		{typ: utmpxUserProcess, pid: 142, line: "ttys001", user: "bob", host: "2001:db8::7"},
		{typ: utmpxDeadProcess, pid: 143, line: "ttys002", user: "mallory"},
		{typ: utmpxUserProcess, pid: 9001, line: "ttys003", user: "ghost"}, // stale
		{typ: utmpxUserProcess, pid: 0, line: "ttys004", user: "nopid"},
		{typ: utmpxUserProcess, pid: 144, line: "ttys005"}, // no user name
		{typ: utmpxUserProcess, pid: 145, line: "odd", user: "carol"},
		{typ: 6, pid: 146, line: "ttys006", user: "LOGIN"}, // LOGIN_PROCESS
	}
	want := []Session{
		{User: "alice", UID: -1, TTY: "console", Kind: KindGraphical, PID: 140},
		{User: "alice", UID: -1, TTY: "ttys000", Kind: KindTerminal, PID: 141},
		{User: "bob", UID: -1, TTY: "ttys001", Host: "2001:db8::7", Kind: KindRemote, PID: 142},
		{User: "carol", UID: -1, TTY: "odd", Kind: KindUnknown, PID: 145},
	}
	recs, ok := parseUtmpx(craftUtmpx(t, entries...))
	if !ok {
		t.Fatal("crafted file rejected")
	}
	got := utmpxSessions(recs, alive)
	if len(got) != len(want) {
		t.Fatalf("got %d sessions %+v, want %d", len(got), got, len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("session %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if uids := LocalUIDs(withUIDs(got, func(name string) int {
		if uid, ok := map[string]int{"alice": 501, "bob": 502}[name]; ok {
			return uid
		}
		return -1
	})); len(uids) != 1 || uids[0] != 501 {
		t.Errorf("LocalUIDs = %v, want [501]: bob is remote, carol unknown", uids)
	}
}
