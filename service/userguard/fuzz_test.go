package userguard

import (
	"testing"
)

// The login records are files other programs write, and on a shared
// machine a login program with a bug (or a hostile container image) can
// leave anything there. The service reads them as root on every request,
// so the decoders must take any bytes without panicking and never make up
// more records than the file holds.

func FuzzParseUtmp(f *testing.F) {
	f.Add(craftUtmp(f,
		utmpEntry{typ: utmpLoginProcess, pid: 500, line: "tty1", user: "LOGIN"},
		utmpEntry{typ: utmpUserProcess, pid: 1000, line: "pts/0", user: "alice", host: "192.0.2.1"},
	))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := parseUtmp(data)
		if len(recs) != len(data)/utmpRecordSize {
			t.Fatalf("%d records from %d bytes", len(recs), len(data))
		}
		checkRecords(t, recs)
		_ = utmpSessions(recs, func(int) bool { return true })
	})
}

func FuzzParseUtmpx(f *testing.F) {
	f.Add(craftUtmpx(f, utmpxEntry{typ: utmpUserProcess, pid: 1000, line: "console", user: "alice"}))
	f.Add(craftUtmpx(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, ok := parseUtmpx(data)
		if !ok && len(recs) != 0 {
			t.Fatalf("a rejected file gave %d records", len(recs))
		}
		if ok && len(data) > 0 && len(recs) != len(data)/utmpxRecordSize-1 {
			t.Fatalf("%d records from %d bytes", len(recs), len(data))
		}
		checkRecords(t, recs)
	})
}

// checkRecords holds what every decoded record must satisfy whatever the
// bytes: strings stop at their field's size.
func checkRecords(t *testing.T, recs []utmpRecord) {
	t.Helper()
	for _, r := range recs {
		if len(r.User) > 256 || len(r.Line) > 64 || len(r.Host) > 256 {
			t.Fatalf("record with oversized fields: %+v", r)
		}
	}
}
