package userguard

import (
	"encoding/binary"
	"strings"
)

// The macOS utmpx file, parsed by hand like utmp.go so the service needs no
// cgo and the parser is tested on any OS.
//
// Apple's <utmpx.h> declares struct utmpx with a native struct timeval, but
// that is not the file format: on 64-bit macOS, Libc converts every record
// to and from struct utmpx32 (apple-oss-distributions/Libc,
// gen/utmpx-darwin.h, and __getutxent/__pututxline in gen/NetBSD/utmpx.c,
// which fread/fwrite sizeof(struct utmpx32) under __LP64__). utmpx32 has a
// 32-bit struct timeval32, so records are 628 bytes on every Mac, Intel and
// Apple silicon alike, both little-endian:
//
//	offset size field
//	     0  256 ut_user (_UTX_USERSIZE, "matches MAXLOGNAME")
//	   256    4 ut_id
//	   260   32 ut_line
//	   292    4 ut_pid
//	   296    2 ut_type + 2 bytes padding
//	   300    8 ut_tv (tv_sec, tv_usec int32)
//	   308  256 ut_host
//	   564   64 ut_pad [16]uint32
//
// The file's first record is a header, not a login: ut_type SIGNATURE (10)
// and ut_user "utmpx-1.00" (_utmpx_vers); Libc refuses a file without it.
const (
	utmpxRecordSize = 628

	utmpxOffUser  = 0
	utmpxOffLine  = 260
	utmpxOffPID   = 292
	utmpxOffType  = 296
	utmpxOffTVSec = 300
	utmpxOffHost  = 308

	utmpxUserSize = 256
	utmpxLineSize = 32
	utmpxHostSize = 256

	utmpxUserProcess = 7  // USER_PROCESS
	utmpxDeadProcess = 8  // DEAD_PROCESS
	utmpxSignature   = 10 // SIGNATURE: the header record

	utmpxVersion = "utmpx-1.00"
)

// parseUtmpx decodes a utmpx file. It reports false when the file does not
// start with the signature record: Libc itself rejects such a file, and
// reading it at our stride would turn garbage into logins (or, worse, into
// an empty list). An empty file has no records, as for Libc, which writes
// the header only on its first update. A trailing partial record is
// ignored, as in parseUtmp.
func parseUtmpx(data []byte) ([]utmpRecord, bool) {
	if len(data) == 0 {
		return nil, true
	}
	if len(data) < utmpxRecordSize {
		return nil, false
	}
	head := decodeUtmpxRecord(data[:utmpxRecordSize])
	if head.Type != utmpxSignature || head.User != utmpxVersion {
		return nil, false
	}
	n := len(data)/utmpxRecordSize - 1
	recs := make([]utmpRecord, 0, n)
	for i := 1; i <= n; i++ {
		recs = append(recs, decodeUtmpxRecord(data[i*utmpxRecordSize:(i+1)*utmpxRecordSize]))
	}
	return recs, true
}

func decodeUtmpxRecord(b []byte) utmpRecord {
	le := binary.LittleEndian
	return utmpRecord{
		Type:  int16(le.Uint16(b[utmpxOffType:])),
		PID:   int32(le.Uint32(b[utmpxOffPID:])),
		Line:  cString(b[utmpxOffLine : utmpxOffLine+utmpxLineSize]),
		User:  cString(b[utmpxOffUser : utmpxOffUser+utmpxUserSize]),
		Host:  cString(b[utmpxOffHost : utmpxOffHost+utmpxHostSize]),
		TVSec: int32(le.Uint32(b[utmpxOffTVSec:])),
	}
}

// utmpxSessions keeps the live USER_PROCESS records (the same type value
// as on Linux), for the same reason as utmpSessions.
func utmpxSessions(recs []utmpRecord, alive func(pid int) bool) []Session {
	return liveSessions(recs, alive, utmpxKind)
}

// utmpxKind guesses the kind from macOS conventions: loginwindow records
// the desktop session on line "console", Terminal windows are "ttysNNN"
// without a host, and sshd writes the client address in ut_host.
func utmpxKind(line, host string) Kind {
	switch {
	case host != "":
		return KindRemote
	case line == "console":
		return KindGraphical
	case strings.HasPrefix(line, "ttys"):
		return KindTerminal
	default:
		return KindUnknown
	}
}
