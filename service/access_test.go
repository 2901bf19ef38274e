package service

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/ipc"
	"github.com/cvpn/cvpn/service/userguard"
)

func TestAccessPolicy(t *testing.T) {
	console := userguard.SourceFunc(func(context.Context) ([]userguard.Session, error) {
		return []userguard.Session{
			{User: "alice", UID: 1000, TTY: "seat0", Kind: userguard.KindGraphical},
			{User: "bob", UID: 1001, TTY: "pts/3", Host: "203.0.113.9", Kind: userguard.KindRemote},
		}, nil
	})
	broken := userguard.SourceFunc(func(context.Context) ([]userguard.Session, error) {
		return nil, errors.New("read utmp: permission denied")
	})
	tests := []struct {
		name    string
		src     userguard.Source
		peer    *peerResult // nil: no peer recorded at all
		allowed bool
		text    string
	}{
		{name: "root", src: console, peer: &peerResult{peer: ipc.Peer{UID: 0, Admin: true}}, allowed: true},
		{name: "the console user", src: console, peer: &peerResult{peer: ipc.Peer{UID: 1000}}, allowed: true},
		{name: "a remote user", src: console, peer: &peerResult{peer: ipc.Peer{UID: 1001}}, text: "uid 1001 is neither"},
		{name: "a daemon account", src: console, peer: &peerResult{peer: ipc.Peer{UID: 65534}}, text: "uid 65534 is neither"},
		{name: "a Windows user", src: console, peer: &peerResult{peer: ipc.Peer{UID: -1, SID: "S-1-5-21-1-2-3-1001"}}, text: "S-1-5-21-1-2-3-1001"},
		{name: "sessions unreadable", src: broken, peer: &peerResult{peer: ipc.Peer{UID: 1000}}, text: "cannot tell who is logged in"},
		{name: "root with sessions unreadable", src: broken, peer: &peerResult{peer: ipc.Peer{UID: 0, Admin: true}}, allowed: true},
		{name: "peer unknown", src: console, peer: &peerResult{err: errors.New("no SO_PEERCRED")}, text: "could not tell who is calling"},
		{name: "no peer recorded", src: console, text: "unknown caller"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{Sessions: tt.src}
			reached := false
			h := s.guardAccess(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
			req := httptest.NewRequest(http.MethodGet, api.PathStatus, nil)
			if tt.peer != nil {
				req = req.WithContext(context.WithValue(req.Context(), peerKey{}, *tt.peer))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if reached != tt.allowed {
				t.Fatalf("reached the handler: %v, want %v (%d %s)", reached, tt.allowed, rec.Code, rec.Body)
			}
			if tt.allowed {
				return
			}
			body := rec.Body.String()
			if rec.Code != http.StatusForbidden || !strings.Contains(body, `"code":"permission_denied"`) ||
				!strings.Contains(body, "permission denied") || !strings.Contains(body, tt.text) {
				t.Errorf("refusal %d %s; want 403, permission_denied and %q", rec.Code, body, tt.text)
			}
		})
	}
}
