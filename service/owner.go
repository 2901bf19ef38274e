package service

import (
	"errors"
	"fmt"

	"github.com/cvpn/cvpn/service/ipc"
	"github.com/cvpn/cvpn/tunnel"
)

// A tunnel belongs to the uid that started it (tunnel.Request.Owner). Two
// users can be allowed at once — two console logins, or fast user
// switching — and neither may read the other's prompts (they can name the
// account, or carry a sign-in address), answer them (which would sign the
// owner's tunnel in with someone else's credentials) or stop the other's
// tunnel. Root may do all three: it could anyway.
//
// A tunnel whose owner is unknown (-1: started where the caller has no
// uid) is root's alone, so the rule fails closed.

// unknownOwner is tunnel.Request.Owner when the caller had no uid.
const unknownOwner = -1

// errNotOwner is wrapped by the refusals of ownerRefusal.
var errNotOwner = errors.New("permission denied")

// mayActOn reports whether p may see, answer and stop what belongs to the
// tunnel owned by uid owner.
func mayActOn(p ipc.Peer, owner int) bool {
	return p.Admin || owner >= 0 && p.UID == owner
}

// ownerRefusal says why p may not act on tunnel's owner's behalf, and what
// would be allowed. what is "answer the prompt of", "stop" …
func ownerRefusal(p ipc.Peer, what, tunnelName string, owner int) error {
	who := fmt.Sprintf("uid %d", p.UID)
	if p.SID != "" {
		who = p.SID
	}
	whose := fmt.Sprintf("uid %d started it", owner)
	if owner < 0 {
		whose = "its owner is unknown"
	}
	return fmt.Errorf("%w: %s may not %s tunnel %s: %s, and only that user or root (sudo) may",
		errNotOwner, who, what, tunnelName, whose)
}

// ownTunnels splits the running tunnels into those p may stop and how many
// others there are.
func (s *Server) ownTunnels(p ipc.Peer) (mine []*tunnel.Tunnel, others int) {
	for _, st := range s.Manager.List() {
		t, ok := s.Manager.Get(st.Profile)
		if !ok {
			continue
		}
		if mayActOn(p, t.Status().Owner) {
			mine = append(mine, t)
		} else {
			others++
		}
	}
	return mine, others
}
