//go:build !linux && !darwin && !windows

package userguard

import (
	"context"
	"fmt"
)

// NewSystemSource returns a source that always fails: cvpn does not ship on
// this OS, and the guard fails closed rather than guess.
func NewSystemSource() *SystemSource {
	return newSystemSource(backend{name: "unsupported", sessions: func(context.Context) ([]Session, error) {
		return nil, fmt.Errorf("session source: %w", ErrNotImplemented)
	}})
}
