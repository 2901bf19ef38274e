package profile

import (
	"fmt"
	"strings"

	"github.com/cvpn/cvpn/policy"
)

// Op is a change to the user's profiles that the administrator's policy
// may forbid (allow_import, allow_edit, allow_remove).
type Op = policy.Action

// The changes a Guard is asked about.
const (
	OpImport = policy.ActionImport
	OpEdit   = policy.ActionEdit // rename, or replace an existing profile
	OpRemove = policy.ActionRemove
)

// Guard returns nil when the user may make the change op, or the reason
// not. The store asks it before changing anything, so the CLI, the
// desktop app and every importer (the AWS client migration too) are held
// to one rule.
type Guard func(op Op) error

// SetGuard makes the store ask g before every change; nil allows all.
func (s *Store) SetGuard(g Guard) { s.guard = g }

// Allowed returns nil when the user may make the change op, or the
// policy's reason not: the views ask it to disable what would be refused.
func (s *Store) Allowed(op Op) error { return s.allow(op) }

func (s *Store) allow(op Op) error {
	if s.guard == nil {
		return nil
	}
	return s.guard(op)
}

// PolicyGuard reads the machine's policy at each change, so a policy an
// administrator changes applies at once. A broken policy forbids nothing
// (policy.Load): the user's own profiles keep working.
func PolicyGuard(op Op) error {
	p, _ := policy.Load()
	return p.Allow(op)
}

// Rename gives the user profile from the name to, as one change the
// policy allows or not (allow_edit). The profile is stored again under
// the new name, then the old one removed, so a failure leaves at worst
// two copies, never none.
func (s *Store) Rename(from, to string) error {
	p, e, err := s.Get(from)
	if err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	if e.Managed {
		return fmt.Errorf("rename %s: %w", from, ErrReadOnly)
	}
	if err := s.allow(OpEdit); err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	if err := ValidName(to); err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	renaming := func(c *importConfig) { c.renaming = true }
	if strings.EqualFold(from, to) {
		// Only the case changes: the store replaces the old spelling.
		_, err := s.store(p, to, []ImportOption{Overwrite(), renaming})
		return err
	}
	if _, err := s.store(p, to, []ImportOption{renaming}); err != nil {
		return err
	}
	return s.remove(e.Name, true)
}
