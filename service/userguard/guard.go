package userguard

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// TooManyUsersError is the verdict when more than one distinct user is
// logged in. Users is sorted and free of duplicates so the notice is stable
// between checks.
type TooManyUsersError struct {
	Users []string
}

// Violation marks the error as a refusal, not a failed check: the tunnel
// manager's guard loop ends every tunnel at once (tunnel.GuardViolation).
func (e *TooManyUsersError) Violation() bool { return true }

func (e *TooManyUsersError) Error() string {
	return fmt.Sprintf("%d users are logged in (%s): cvpn connects only while one person is logged in; ask the others to log out",
		len(e.Users), strings.Join(e.Users, ", "))
}

// Check returns nil when zero or one distinct user has an interactive
// session, and a *TooManyUsersError otherwise.
//
// Identity is the login name: a user with several sessions is one user.
// Root is not special: it counts when, and only when, it appears as an
// interactive session (a root console or ssh login). The cvpn service itself
// runs as root but is not a session, so it never counts. Sessions without a
// user name (which the sources should not produce) are ignored rather than
// counted as a phantom second user.
//
// Errors from the source are wrapped and returned: the guard fails closed.
// A session list we could not read must never be taken for "nobody else is
// here", since that is exactly the state an attacker would aim for. The
// sources name what they failed to read (for example the utmp path) so an
// affected single-user machine gets an actionable message instead of a
// silent refusal.
func Check(ctx context.Context, src Source) error {
	sessions, err := src.Sessions(ctx)
	if err != nil {
		return fmt.Errorf("list logged-in users: %w", err)
	}
	users := distinctUsers(sessions)
	if len(users) > 1 {
		return &TooManyUsersError{Users: users}
	}
	return nil
}

func distinctUsers(sessions []Session) []string {
	seen := make(map[string]bool)
	var users []string
	for _, s := range sessions {
		if s.User == "" || seen[s.User] {
			continue
		}
		seen[s.User] = true
		users = append(users, s.User)
	}
	sort.Strings(users)
	return users
}
