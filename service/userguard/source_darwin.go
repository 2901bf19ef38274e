package userguard

import (
	"context"
	"fmt"
	"os"
)

// DefaultUtmpxPath is _PATH_UTMPX from macOS's <utmpx.h>.
const DefaultUtmpxPath = "/var/run/utmpx"

// NewSystemSource returns the session source for this machine: the macOS
// utmpx file. macOS always keeps one, so unlike on Linux a missing file is
// an error (the guard fails closed), not a machine without logins.
func NewSystemSource() *SystemSource {
	return newSystemSource(backend{name: BackendUtmpx, sessions: NewUtmpxSource(DefaultUtmpxPath).Sessions})
}

// UtmpxSource reads logins from a macOS utmpx file.
type UtmpxSource struct {
	path   string
	alive  func(pid int) bool
	lookup func(name string) int
}

// NewUtmpxSource returns a source reading the utmpx file at path.
func NewUtmpxSource(path string) *UtmpxSource {
	return &UtmpxSource{path: path, alive: pidAlive, lookup: lookupUID}
}

// Sessions lists the live USER_PROCESS entries, with uids looked up by
// name. A missing, unreadable or foreign file is an error naming the path.
func (s *UtmpxSource) Sessions(ctx context.Context) ([]Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, fmt.Errorf("read utmpx: %w", err)
	}
	recs, ok := parseUtmpx(data)
	if !ok {
		return nil, fmt.Errorf("read utmpx: %s: no %q signature record", s.path, utmpxVersion)
	}
	return withUIDs(utmpxSessions(recs, s.alive), s.lookup), nil
}
