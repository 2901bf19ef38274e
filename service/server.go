package service

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/ipc"
	"github.com/cvpn/cvpn/service/userguard"
	"github.com/cvpn/cvpn/tunnel"
)

// Server answers the local API for one tunnel manager. Every request passes
// the access check first (access.go); handlers are thin and leave the work
// to the manager.
type Server struct {
	Manager *tunnel.Manager
	Logs    *logs.Dir
	// Sessions lists the machine's logins: for the one-user guard's status
	// and for the access policy (who is at the console).
	Sessions userguard.Source
	// Backend names the session source in use, for status.
	Backend func() string
	// Version is the service's version, reported by status.
	Version string
	// Logf is the service's own diagnostic log.
	Logf logs.Func
	// Facts adds lines to a diagnostics bundle (OS, version…).
	Facts func() []string

	prompts prompts
}

type peerKey struct{}

// Handler returns the API's HTTP handler, wrapped in the access check.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.PathStatus, s.status)
	mux.HandleFunc("POST "+api.PathConnect, s.connect)
	mux.HandleFunc("POST "+api.PathDisconnect, s.disconnect)
	mux.HandleFunc("GET "+api.PathEvents, s.events)
	mux.HandleFunc("POST "+api.PathAnswer, s.answer)
	mux.HandleFunc("GET "+api.PathLogs, s.logs)
	mux.HandleFunc("GET "+api.PathLogsExport, s.export)
	return s.guardAccess(mux)
}

// Serve answers connections from l until ctx ends. Each connection's peer
// is looked up once, when accepted.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			p, err := ipc.PeerOf(c)
			if err != nil {
				return context.WithValue(ctx, peerKey{}, peerResult{err: err})
			}
			return context.WithValue(ctx, peerKey{}, peerResult{peer: p})
		},
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		_ = hs.Close() // event streams never finish by themselves
	}()
	err := hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

type peerResult struct {
	peer ipc.Peer
	err  error
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.statusBody(r.Context()))
}

func (s *Server) statusBody(ctx context.Context) api.StatusBody {
	body := api.StatusBody{Version: s.Version, Tunnels: apiStatuses(s.Manager.List())}
	if s.Sessions != nil {
		sess, err := s.Sessions.Sessions(ctx)
		if err != nil {
			body.Sessions.Error = err.Error()
		}
		seen := map[string]bool{}
		for _, x := range sess {
			if !seen[x.User] {
				seen[x.User] = true
				body.Sessions.Users = append(body.Sessions.Users, x.User)
			}
		}
	}
	if s.Backend != nil {
		body.Sessions.Backend = s.Backend()
	}
	return body
}

func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	var body api.ConnectBody
	if !readJSON(w, r, &body, maxBody) {
		return
	}
	if body.Name == "" || body.Profile == "" {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "connect: a profile name and text are required")
		return
	}
	if err := profile.ValidName(body.Name); err != nil {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "connect: "+err.Error())
		return
	}
	p, err := profile.Parse([]byte(body.Profile), profile.ParseOptions{Name: body.Name})
	if err != nil {
		writeError(w, http.StatusBadRequest, api.CodeInvalidProfile, err.Error())
		return
	}
	p.Name = body.Name
	pr := peerOf(r)
	s.logf("%s: connect requested by uid %d (pid %d)", p.Name, pr.UID, pr.PID)
	t, err := s.Manager.Connect(r.Context(), tunnel.Request{
		Profile:       p,
		Device:        body.Device,
		Prompter:      s.prompter(p),
		NoKeyExport:   body.NoKeyExport,
		Owner:         pr.UID,
		EnforceRoutes: body.EnforceRoutes,
		WebAuth:       body.WebAuth,
	})
	if err != nil {
		s.logf("%s: refused: %v", p.Name, err)
		status, code := classify(err)
		writeError(w, status, code, err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, apiStatus(t.Status()))
}

// classify maps the manager's errors to HTTP statuses and API codes.
func classify(err error) (int, string) {
	var conflict *tunnel.ConflictError
	var users *userguard.TooManyUsersError
	switch {
	case errors.As(err, &conflict):
		return http.StatusConflict, api.CodeConflict
	case errors.As(err, &users):
		return http.StatusForbidden, api.CodeTooManyUsers
	case errors.Is(err, tunnel.ErrAlreadyUp):
		return http.StatusConflict, api.CodeAlreadyConnected
	case errors.Is(err, tunnel.ErrTooMany):
		return http.StatusConflict, api.CodeTooMany
	case errors.Is(err, tunnel.ErrNotConnected):
		return http.StatusNotFound, api.CodeNotConnected
	}
	return http.StatusInternalServerError, api.CodeInternal
}

// maxBody bounds the other request bodies: a profile is at most
// profile.MaxProfileSize.
const maxBody = profile.MaxProfileSize + 64<<10

func readJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "read request: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, api.ErrorBody{Code: code, Message: msg})
}
