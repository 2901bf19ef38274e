package viewmodeltest

import (
	"fmt"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

var _ viewmodel.ChangeGuard = (*Backend)(nil)

// Forbid makes the fake's policy refuse op, as a policy file with its
// allow_… key false does; the Import, Rename and Remove of the fake are
// refused too. Forbid(op, false) allows it again.
func (b *Backend) Forbid(op profile.Op, forbidden bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.forbidden == nil {
		b.forbidden = map[profile.Op]bool{}
	}
	b.forbidden[op] = forbidden
}

// Allowed implements viewmodel.ChangeGuard.
func (b *Backend) Allowed(op profile.Op) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.allowedLocked(op)
}

func (b *Backend) allowedLocked(op profile.Op) error {
	if !b.forbidden[op] {
		return nil
	}
	return fmt.Errorf("%s is turned off by /etc/cvpn/policy.json: %w; ask your administrator", op, policy.ErrForbidden)
}
