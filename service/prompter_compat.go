package service

import (
	"context"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/profile"
)

// This file goes once connect (server.go) passes the caller's uid to
// ownedPrompter: until then connect's Prompter finds its tunnel's owner
// when it asks.

// prompter returns the Prompter for one tunnel whose owner is looked up
// when it asks (promptOwner).
func (s *Server) prompter(prof *profile.Profile) openvpn.Prompter {
	return s.newPrompter(prof, func(ctx context.Context) int { return s.promptOwner(ctx, prof.Name) })
}

// promptOwner finds the owner of a tunnel that asks for credentials. The
// tunnel may not be listed yet — a key's passphrase is asked while it is
// being dialled — but the engine's context then still carries the request
// that started it.
func (s *Server) promptOwner(ctx context.Context, name string) int {
	if s.Manager != nil {
		if t, ok := s.Manager.Get(name); ok {
			return t.Status().Owner
		}
	}
	if res, ok := ctx.Value(peerKey{}).(peerResult); ok && res.err == nil {
		return res.peer.UID
	}
	return unknownOwner
}
