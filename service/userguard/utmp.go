package userguard

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// The glibc struct utmp as laid out on Linux x86_64 and arm64 (both use
// 32-bit time fields in utmp for compatibility with 32-bit binaries). We
// parse it by hand instead of using cgo so the service stays a static
// binary and the parser can be tested on any OS with crafted files.
//
//	offset size field
//	     0    2 ut_type (int16) + 2 bytes padding
//	     4    4 ut_pid
//	     8   32 ut_line
//	    40    4 ut_id
//	    44   32 ut_user
//	    76  256 ut_host
//	   332    4 ut_exit (e_termination, e_exit int16)
//	   336    4 ut_session
//	   340    8 ut_tv (tv_sec, tv_usec int32)
//	   348   16 ut_addr_v6 [4]int32
//	   364   20 __glibc_reserved
const (
	utmpRecordSize = 384

	utmpOffType    = 0
	utmpOffPID     = 4
	utmpOffLine    = 8
	utmpOffUser    = 44
	utmpOffHost    = 76
	utmpOffSession = 336
	utmpOffTVSec   = 340

	utmpLineSize = 32
	utmpUserSize = 32
	utmpHostSize = 256
)

// ut_type values we care about (see utmp(5)).
const (
	utmpEmpty        = 0
	utmpLoginProcess = 6 // getty waiting for a login: nobody is logged in yet
	utmpUserProcess  = 7 // a logged-in user
	utmpDeadProcess  = 8 // a session that has ended
)

// utmpRecord is the subset of a struct utmp the guard needs.
type utmpRecord struct {
	Type    int16
	PID     int32
	Line    string
	User    string
	Host    string
	Session int32
	TVSec   int32
}

// parseUtmp decodes a whole utmp file. A trailing partial record is
// ignored rather than rejected: utmp is appended to in place by login
// programs, so a read can race a write, and the complete records before it
// are still trustworthy. The next check sees the finished record.
func parseUtmp(data []byte) []utmpRecord {
	n := len(data) / utmpRecordSize
	recs := make([]utmpRecord, 0, n)
	for i := range n {
		recs = append(recs, decodeUtmpRecord(data[i*utmpRecordSize:(i+1)*utmpRecordSize]))
	}
	return recs
}

func decodeUtmpRecord(b []byte) utmpRecord {
	le := binary.LittleEndian // x86_64 and arm64 Linux are little-endian
	return utmpRecord{
		Type:    int16(le.Uint16(b[utmpOffType:])),
		PID:     int32(le.Uint32(b[utmpOffPID:])),
		Line:    cString(b[utmpOffLine : utmpOffLine+utmpLineSize]),
		User:    cString(b[utmpOffUser : utmpOffUser+utmpUserSize]),
		Host:    cString(b[utmpOffHost : utmpOffHost+utmpHostSize]),
		Session: int32(le.Uint32(b[utmpOffSession:])),
		TVSec:   int32(le.Uint32(b[utmpOffTVSec:])),
	}
}

// cString returns the bytes before the first NUL; utmp strings are not
// NUL-terminated when they fill their field.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// utmpSessions turns records into Sessions, keeping only USER_PROCESS
// entries whose process is still alive. Stale USER_PROCESS entries are
// common after a crash (nobody wrote the DEAD_PROCESS record), and counting
// them would lock the remaining user out until a reboot.
func utmpSessions(recs []utmpRecord, alive func(pid int) bool) []Session {
	return liveSessions(recs, alive, utmpKind)
}

// liveSessions is the rule both utmp formats share: live USER_PROCESS
// records with a user name, classified by kind.
func liveSessions(recs []utmpRecord, alive func(pid int) bool, kind func(line, host string) Kind) []Session {
	var out []Session
	for _, r := range recs {
		if r.Type != utmpUserProcess || r.User == "" {
			continue
		}
		if r.PID <= 0 || !alive(int(r.PID)) {
			continue
		}
		out = append(out, Session{
			User: r.User,
			UID:  -1,
			TTY:  r.Line,
			Host: r.Host,
			Kind: kind(r.Line, r.Host),
			PID:  int(r.PID),
		})
	}
	return out
}

// utmpKind guesses the session kind from the line and host fields, which
// is all utmp records. Display managers write the X display (":0") in one
// of them; sshd writes the client address in ut_host.
func utmpKind(line, host string) Kind {
	switch {
	case strings.HasPrefix(line, ":") || strings.HasPrefix(host, ":"):
		return KindGraphical
	case host != "":
		return KindRemote
	case strings.HasPrefix(line, "tty"), line == "console":
		return KindConsole
	case strings.HasPrefix(line, "pts/"):
		return KindTerminal
	default:
		return KindUnknown
	}
}

// withUIDs fills in the uid of each session through lookup.
func withUIDs(sessions []Session, lookup func(name string) int) []Session {
	for i := range sessions {
		sessions[i].UID = lookup(sessions[i].User)
	}
	return sessions
}
