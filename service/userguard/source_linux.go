package userguard

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// DefaultUtmpPath is where glibc systems keep the current-logins database.
const DefaultUtmpPath = "/var/run/utmp"

// NewSystemSource returns the session source for this machine.
//
// TODO(logind): prefer systemd-logind (org.freedesktop.login1, ListSessions
// and each session's Name/UID/TTY/Seat/Remote/RemoteHost/Class/State) when
// the system bus is reachable. logind knows about graphical sessions that
// never write utmp (many Wayland compositors) and about session class
// ("greeter" sessions of the display manager must not count). It is left
// out for now to avoid a D-Bus dependency; when added, it should be a
// separate logindSource in source_logind_linux.go, tried first here, with
// the utmp source as the fallback when the bus or logind is absent (which
// is exactly what this function returns today).
func NewSystemSource() Source {
	return NewUtmpSource(DefaultUtmpPath)
}

// UtmpSource reads logins from a glibc utmp file.
type UtmpSource struct {
	path  string
	alive func(pid int) bool
}

// NewUtmpSource returns a source reading the utmp file at path. Tests pass a
// crafted file; production uses DefaultUtmpPath via NewSystemSource.
func NewUtmpSource(path string) *UtmpSource {
	return &UtmpSource{path: path, alive: pidAlive}
}

// Sessions lists the live USER_PROCESS entries. A missing or unreadable
// file is an error naming the path, never an empty list: the guard fails
// closed, and the path tells the admin of a single-user machine what to fix.
func (s *UtmpSource) Sessions(ctx context.Context) ([]Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, fmt.Errorf("read utmp: %w", err) // *PathError names the file
	}
	return utmpSessions(parseUtmp(data), s.alive), nil
}

// pidAlive reports whether a process exists. Signal 0 performs the
// existence check without sending anything; EPERM means it exists but
// belongs to someone else, which still counts as alive.
func pidAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
