// Package userguard enforces cvpn's one-person rule: the tunnel may only be up
// while a single distinct OS user is logged in, because the tunnel is
// machine-wide and a second person on the same machine would otherwise ride on
// the first person's VPN identity.
//
// A Source lists the interactive sessions of the machine; Check turns a
// session list into a verdict; Watch repeats Check while a tunnel is up so
// the service can disconnect when someone else logs in. LocalUIDs picks the
// users sitting at the machine out of a session list, for the service's API
// access policy.
//
// NewSystemSource returns a *SystemSource per OS, which reports the backend
// it used (Backend) so the service can log it:
//
//   - Linux: systemd-logind over the system D-Bus, which sees every session
//     class and graphical sessions that never write utmp; without a bus or
//     logind, the utmp file; with neither, no sessions ("none": containers
//     and CI machines track no logins).
//   - macOS: the /var/run/utmpx file, parsed without cgo.
//   - Windows: Terminal Services sessions (WTSEnumerateSessions).
//
// Every backend fails closed: a present backend that cannot be read is an
// error, never an empty list.
package userguard

import (
	"context"
	"errors"
	"sort"
)

// Kind says how a session is attached to the machine. It is informational
// (for the notice shown to the user); the rule counts every kind.
type Kind string

const (
	KindUnknown   Kind = "unknown"
	KindConsole   Kind = "console"   // a local text console (tty1…)
	KindGraphical Kind = "graphical" // a local desktop session (X11/Wayland seat)
	KindTerminal  Kind = "terminal"  // a local pseudo-terminal, e.g. a terminal emulator
	KindRemote    Kind = "remote"    // a session from another host (ssh, telnet, RDP)
)

// Session is one interactive login. A user with several sessions (a desktop
// plus three terminals) produces several Sessions but counts once.
type Session struct {
	User string // login name; the identity the rule counts
	UID  int    // numeric user id, or -1 when the source does not know it
	TTY  string // terminal line or seat, e.g. "tty2", "pts/0", ":0", "seat0"
	Host string // remote host for remote sessions, or the X display
	Kind Kind
	PID  int // the session leader's process id, 0 when unknown
}

// Source lists the machine's interactive sessions. Implementations must
// return an error rather than an empty list when they cannot tell, because
// an empty list means "nobody else is here" and allows the connection.
type Source interface {
	Sessions(ctx context.Context) ([]Session, error)
}

// SourceFunc adapts a function to a Source.
type SourceFunc func(ctx context.Context) ([]Session, error)

// Sessions calls f.
func (f SourceFunc) Sessions(ctx context.Context) ([]Session, error) { return f(ctx) }

// ErrNotImplemented is returned by the session source of an OS that has no
// implementation yet. The guard fails closed on it, so callers that want to
// run on such an OS during development must decide explicitly to skip the
// guard.
var ErrNotImplemented = errors.New("listing logged-in users is not implemented yet on this OS")

// LocalUIDs returns the distinct uids, sorted, of the sessions held by
// someone at the machine itself: console, graphical and local terminal
// sessions. The service lets these users (and root) drive it, so that a
// person logged in over ssh or RDP cannot bring up a tunnel for the machine.
// Remote sessions, sessions of unknown kind and sessions without a uid
// (-1) are left out: the result grants access, so it must not guess.
func LocalUIDs(sessions []Session) []int {
	seen := make(map[int]bool)
	var uids []int
	for _, s := range sessions {
		switch s.Kind {
		case KindConsole, KindGraphical, KindTerminal:
		default:
			continue
		}
		if s.UID < 0 || seen[s.UID] {
			continue
		}
		seen[s.UID] = true
		uids = append(uids, s.UID)
	}
	sort.Ints(uids)
	return uids
}
