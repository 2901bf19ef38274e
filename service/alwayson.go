package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/tunnel"
)

// Always-on: when the policy's connect_at_start names a managed profile,
// the service connects it itself when it starts, before anyone logs in.
// It reads the profile from the managed directory (root's, written by the
// administrator) rather than taking it from a user. Only a profile that
// signs in with its certificate alone can connect with nobody there to
// answer a prompt; one that needs a sign-in is left to the desktop app,
// which connects it at login (the same connect_at_start setting), and the
// log says so.

// alwaysOnRetry bounds the pause between attempts: at boot the network
// may come up after the service.
const alwaysOnRetry = time.Minute

// ConnectAtStart connects the always-on profile from managedDir, retrying
// with a growing pause until it connects, ctx ends, or a retry cannot
// help (no such profile, a sign-in needed, refused by the policy). It
// returns why it gave up, nil when connected or when there is nothing
// to do.
func (s *Server) ConnectAtStart(ctx context.Context, managedDir string) error {
	pol := s.policy()
	if pol.ConnectAtStart == nil || *pol.ConnectAtStart == "" {
		return nil
	}
	name := *pol.ConnectAtStart
	src := pol.SourceOf(policy.KeyConnectAtStart)
	p, e, err := profile.NewStore("", managedDir).Get(name)
	switch {
	case errors.Is(err, profile.ErrNotFound):
		return s.alwaysOnGiveUp(fmt.Errorf("always-on: %s names %q in %s, which is not a managed profile in %s; the desktop app connects it at login if it is the user's",
			policy.KeyConnectAtStart, name, src, managedDir))
	case err != nil:
		return s.alwaysOnGiveUp(fmt.Errorf("always-on: read %s from %s: %w; the administrator must fix the profile", name, managedDir, err))
	case e.Auth != profile.AuthCertificate:
		return s.alwaysOnGiveUp(fmt.Errorf("always-on: %s signs in with %s, which needs the user; the desktop app connects it at login", name, e.Auth))
	}
	p.Name = e.Name
	if err := pol.CheckServers(remoteHosts(p)); err != nil {
		return s.alwaysOnGiveUp(fmt.Errorf("always-on: %s: %w", name, err))
	}
	limit := pol.TunnelLimit(0)
	pause := time.Second
	for {
		_, err := s.Manager.Connect(ctx, tunnel.Request{Profile: p, Owner: -1, Limit: limit, LimitErr: pol.TunnelLimitError(limit)})
		if err == nil {
			s.logf("always-on: %s connected (%s in %s)", name, policy.KeyConnectAtStart, src)
			return nil
		}
		if errors.Is(err, tunnel.ErrAlreadyUp) || errors.Is(err, tunnel.ErrClosed) || errors.Is(err, policy.ErrForbidden) {
			return s.alwaysOnGiveUp(fmt.Errorf("always-on: %w", err))
		}
		s.logf("always-on: %v; trying again in %s", err, pause)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, alwaysOnRetry)
	}
}

func (s *Server) alwaysOnGiveUp(err error) error {
	s.logf("%v", err)
	return err
}
