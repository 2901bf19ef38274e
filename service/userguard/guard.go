package userguard

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// TooManyUsersError is the verdict when more than one distinct user is
// logged in. Users is sorted and free of duplicates so the notice is stable
// between checks.
type TooManyUsersError struct {
	Users []string
}

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

// maxSourceFailures is how many consecutive source errors Watch tolerates
// before reporting. A single failed read mid-connection (utmp being
// rewritten, a D-Bus hiccup) should not drop a working tunnel, but a source
// that stays broken must: otherwise breaking the source would be a way to
// keep a second user on the tunnel.
const maxSourceFailures = 3

// Watch runs Check at once and then every interval until ctx is done. It
// calls onViolation once and returns on the first *TooManyUsersError, or
// after maxSourceFailures consecutive source errors (with the last error).
// It blocks; run it in the connection's goroutine group and cancel ctx on
// disconnect. Watch returns ctx.Err() when cancelled and the reported error
// otherwise.
func Watch(ctx context.Context, src Source, interval time.Duration, onViolation func(error)) error {
	if interval <= 0 {
		return fmt.Errorf("watch logged-in users: interval must be positive, got %v", interval)
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	failures := 0
	for {
		err := Check(ctx, src)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var tooMany *TooManyUsersError
		switch {
		case err == nil:
			failures = 0
		case errors.As(err, &tooMany):
			onViolation(err)
			return err
		default:
			failures++
			if failures >= maxSourceFailures {
				onViolation(err)
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
}
