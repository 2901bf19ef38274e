package service

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/ipc"
	"github.com/cvpn/cvpn/service/userguard"
)

// guardAccess lets a request through only when the kernel says the caller
// is root (an administrator on Windows) or the user logged in at the
// console. The service can reroute the whole machine's traffic, so another
// local account — a daemon, a second user over ssh — must not drive it.
// The check runs on every request, not once per connection: who is at the
// console can change while a client keeps its connection open.
//
// A refused connection is closed after its answer (Connection: close): a
// caller who is not allowed has no reason to keep it, and each one held is
// a descriptor of the root service. Refusals are logged rate-limited per
// uid, with the caller's path cut short and quoted (refusals.go).
func (s *Server) guardAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, ok := r.Context().Value(peerKey{}).(peerResult)
		if !ok {
			refuse(w, "permission denied: unknown caller")
			return
		}
		if res.err != nil {
			s.refusals.note(unknownUID, "refused a request: %v", res.err)
			refuse(w, "permission denied: the cvpn service could not tell who is calling: "+res.err.Error())
			return
		}
		if err := s.allowed(r.Context(), res.peer); err != nil {
			s.refusals.note(res.peer.UID, "refused %s %s from %s: %v", quoteClipped(r.Method, 16),
				quoteClipped(r.URL.Path, refusalPathMax), who(res.peer, nil), err)
			refuse(w, err.Error())
			return
		}
		next.ServeHTTP(w, r)
	})
}

func refuse(w http.ResponseWriter, msg string) {
	w.Header().Set("Connection", "close")
	writeError(w, http.StatusForbidden, api.CodePermission, msg)
}

// allowed applies the policy to one caller.
func (s *Server) allowed(ctx context.Context, p ipc.Peer) error {
	if p.Admin {
		return nil
	}
	var console []int
	if s.Sessions != nil {
		sessions, err := s.Sessions.Sessions(ctx)
		if err != nil {
			return fmt.Errorf("permission denied: cannot tell who is logged in at the console (%v); use sudo", err)
		}
		console = userguard.LocalUIDs(sessions)
	}
	if p.UID >= 0 && slices.Contains(console, p.UID) {
		return nil
	}
	who := fmt.Sprintf("uid %d", p.UID)
	if p.SID != "" {
		who = p.SID
	}
	return fmt.Errorf("permission denied: only root and the user logged in at the console may use the cvpn service, and %s is neither; log in at the console or use sudo", who)
}

// peerOf returns the caller of an accepted request.
func peerOf(r *http.Request) ipc.Peer {
	res, _ := r.Context().Value(peerKey{}).(peerResult)
	return res.peer
}
