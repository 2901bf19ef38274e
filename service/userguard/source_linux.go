package userguard

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// DefaultUtmpPath is where glibc systems keep the current-logins database.
const DefaultUtmpPath = "/var/run/utmp"

// NewSystemSource returns the session source for this machine: systemd-logind
// first, the utmp file when there is no system bus or no logind on it, and
// no sessions at all (Backend() == BackendNone) when the utmp file does not
// exist either, as in containers and on CI machines without systemd.
//
// logind comes first because it sees what utmp misses: many Wayland
// compositors never write utmp, and logind labels display-manager greeters
// and cron jobs so they are not mistaken for people. Only absence moves on
// to the next backend. A logind that answers with an error, or a utmp file
// that exists but cannot be read, is an error: the guard fails closed.
func NewSystemSource() *SystemSource {
	return newLinuxSource(logindSessions, NewUtmpSource(DefaultUtmpPath).Sessions)
}

// newLinuxSource wires the Linux fallback chain around the two steps, which
// tests replace. logind must mark its own absence with unavailable; a
// missing utmp file is recognised here.
func newLinuxSource(logind, utmp func(context.Context) ([]Session, error)) *SystemSource {
	return newSystemSource(
		backend{name: BackendLogind, sessions: logind},
		backend{name: BackendUtmp, sessions: func(ctx context.Context) ([]Session, error) {
			sessions, err := utmp(ctx)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, unavailable(err)
			}
			return sessions, err
		}},
	)
}

// UtmpSource reads logins from a glibc utmp file.
type UtmpSource struct {
	path   string
	alive  func(pid int) bool
	lookup func(name string) int
}

// NewUtmpSource returns a source reading the utmp file at path. Tests pass a
// crafted file; production uses DefaultUtmpPath via NewSystemSource.
func NewUtmpSource(path string) *UtmpSource {
	return &UtmpSource{path: path, alive: pidAlive, lookup: lookupUID}
}

// Sessions lists the live USER_PROCESS entries, with uids looked up by
// name. A missing or unreadable file is an error naming the path, never an
// empty list: the guard fails closed, and the path tells the admin of a
// single-user machine what to fix. (NewSystemSource, not this source,
// decides that a missing file means the machine tracks no logins.)
func (s *UtmpSource) Sessions(ctx context.Context) ([]Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, fmt.Errorf("read utmp: %w", err) // *PathError names the file
	}
	return withUIDs(utmpSessions(parseUtmp(data), s.alive), s.lookup), nil
}
