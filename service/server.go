package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/ipc"
	"github.com/cvpn/cvpn/service/userguard"
	"github.com/cvpn/cvpn/tun"
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
	// Policy reads the administrator's policy at each connect (it is
	// small, and a changed policy applies at once); nil is policy.Load.
	Policy func() (*policy.Policy, error)

	prompts prompts

	setupOnce sync.Once
	conns     connLimiter   // open connections per uid (conns.go)
	refusals  refusalLog    // rate-limited refusal lines (refusals.go)
	exports   chan struct{} // a slot per diagnostics export in progress
	// idle and request replace idleTimeout and requestTimeout when set,
	// so tests need not wait half a minute.
	idle, request time.Duration
}

// setup readies the unexported parts; Server is built as a literal.
func (s *Server) setup() {
	s.setupOnce.Do(func() {
		s.refusals.logf = s.logf
		s.exports = make(chan struct{}, maxExports)
		if s.idle == 0 {
			s.idle = idleTimeout
		}
		if s.request == 0 {
			s.request = requestTimeout
		}
	})
}

type peerKey struct{}

// Handler returns the API's HTTP handler, wrapped in the access check.
func (s *Server) Handler() http.Handler {
	s.setup()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.PathStatus, s.status)
	mux.HandleFunc("POST "+api.PathConnect, s.connect)
	mux.HandleFunc("POST "+api.PathDisconnect, s.disconnect)
	mux.HandleFunc("GET "+api.PathEvents, s.events)
	mux.HandleFunc("POST "+api.PathAnswer, s.answer)
	mux.HandleFunc("GET "+api.PathLogs, s.logs)
	mux.HandleFunc("GET "+api.PathLogsExport, s.export)
	return s.deadlines(s.guardAccess(mux))
}

// Serve answers connections from l until ctx ends. Each connection's peer
// is looked up once, when accepted, and counted against its uid's quota
// (conns.go).
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.setup()
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// No ReadTimeout or WriteTimeout: they would cut the event and
		// log streams. Ordinary requests get per-request deadlines
		// instead (deadlines); a kept-alive connection waits this long
		// for its next request.
		IdleTimeout: s.idle,
		// Paths and queries are short; headers this size are an attack.
		MaxHeaderBytes: maxHeaderBytes,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if cc, ok := c.(*countedConn); ok {
				return context.WithValue(ctx, peerKey{}, cc.res)
			}
			p, err := ipc.PeerOf(c)
			if err != nil {
				return context.WithValue(ctx, peerKey{}, peerResult{err: err})
			}
			return context.WithValue(ctx, peerKey{}, peerResult{peer: p})
		},
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	var bg sync.WaitGroup
	bg.Add(2)
	go func() {
		defer bg.Done()
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		_ = hs.Close() // event streams never finish by themselves
	}()
	go func() {
		defer bg.Done()
		t := time.NewTicker(refusalWindow)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.refusals.flush()
			}
		}
	}()
	err := hs.Serve(&limitListener{Listener: l, s: s})
	bg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Timeouts of ordinary requests. Streams (events, logs?follow) have
// neither: they are bounded by the connection quotas, and end when their
// caller loses access (streamguard.go).
const (
	idleTimeout    = 30 * time.Second
	requestTimeout = 30 * time.Second
	maxHeaderBytes = 64 << 10
)

// deadlines gives every request but the streams requestTimeout to send its
// body and to take its answer, so a caller cannot hold a connection (a
// descriptor of the root service) by sending or reading slowly. Handlers
// that work longer move the deadlines themselves (export).
func (s *Server) deadlines(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isStream(r) {
			rc := http.NewResponseController(w)
			end := time.Now().Add(s.request)
			_ = rc.SetReadDeadline(end)
			_ = rc.SetWriteDeadline(end)
		}
		next.ServeHTTP(w, r)
	})
}

func isStream(r *http.Request) bool {
	switch r.URL.Path {
	case api.PathEvents:
		return true
	case api.PathLogs:
		return r.URL.Query().Get("follow") == "1"
	}
	return false
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
	if err := decodeBody(w, r, &body, maxConnectBody); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			err = fmt.Errorf("the request is larger than %s, so its profile is larger than the %s a profile may have (profile.MaxProfileSize); check that you picked the right file",
				mib(maxConnectBody), mib(profile.MaxProfileSize))
			writeError(w, http.StatusRequestEntityTooLarge, api.CodeInvalidProfile, "connect: "+err.Error())
			return
		}
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "read request: "+err.Error())
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
	switch body.LogLevel {
	case "", api.LogLevelInfo, api.LogLevelDebug:
	default:
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, fmt.Sprintf("connect: unknown log level %q; use %q or %q",
			body.LogLevel, api.LogLevelInfo, api.LogLevelDebug))
		return
	}
	if n := len(body.Profile); n > profile.MaxProfileSize {
		writeError(w, http.StatusBadRequest, api.CodeInvalidProfile, fmt.Sprintf(
			"connect: the profile is %s (%d bytes), more than the %s (%d bytes) a profile may have; check that you picked the right file",
			mib(int64(n)), n, mib(profile.MaxProfileSize), profile.MaxProfileSize))
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
	pol := s.policy()
	if err := pol.CheckServers(remoteHosts(p)); err != nil {
		s.logf("%s: refused: %v", p.Name, err)
		writeError(w, http.StatusForbidden, api.CodePolicy, "connect "+p.Name+": "+err.Error())
		return
	}
	limit := pol.TunnelLimit(0)
	t, err := s.Manager.Connect(r.Context(), tunnel.Request{
		Profile:       p,
		Device:        body.Device,
		Prompter:      s.ownedPrompter(p, pr.UID),
		NoKeyExport:   body.NoKeyExport,
		Owner:         pr.UID,
		EnforceRoutes: body.EnforceRoutes,
		WebAuth:       body.WebAuth,
		NoReconnect:   body.NoReconnect,
		Debug:         body.LogLevel == api.LogLevelDebug,
		Limit:         limit,
		LimitErr:      pol.TunnelLimitError(limit),
	})
	if err != nil {
		if goneAway(r, err) {
			s.logf("%s: connect abandoned: uid %d (pid %d) closed its connection before the answer", p.Name, pr.UID, pr.PID)
			writeError(w, statusClientClosed, api.CodeBadRequest, "connect "+p.Name+
				": abandoned: the client closed its connection (or its sending side) before the answer; keep it open until the answer arrives")
			return
		}
		s.logf("%s: refused: %v", p.Name, err)
		status, code := classify(err)
		writeError(w, status, code, err.Error())
		return
	}
	writeJSON(w, http.StatusAccepted, apiStatus(t.Status()))
}

// statusClientClosed answers a request whose client went away (or shut
// down its sending side, which net/http takes for the same) before the
// answer: nginx's 499. It is not an internal error, and a half-closed
// client can still read it.
const statusClientClosed = 499

// goneAway reports whether err is the request's own context ending: the
// client left, the service did not fail.
func goneAway(r *http.Request, err error) bool {
	return r.Context().Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
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
	case errors.Is(err, policy.ErrForbidden):
		return http.StatusForbidden, api.CodePolicy
	case errors.Is(err, tunnel.ErrAlreadyUp):
		return http.StatusConflict, api.CodeAlreadyConnected
	case errors.Is(err, tunnel.ErrTooMany):
		return http.StatusConflict, api.CodeTooMany
	case errors.Is(err, tunnel.ErrNotConnected):
		return http.StatusNotFound, api.CodeNotConnected
	case errors.Is(err, context.Canceled):
		return statusClientClosed, api.CodeBadRequest
	case errors.Is(err, tun.ErrBadName), errors.Is(err, tun.ErrBusy), errors.Is(err, tun.ErrBadMTU):
		// The caller chose the device name or MTU; the error says which
		// rule it broke.
		return http.StatusBadRequest, api.CodeBadRequest
	}
	return http.StatusInternalServerError, api.CodeInternal
}

// maxBody bounds the request bodies but connect's.
const maxBody = profile.MaxProfileSize + 64<<10

// maxConnectBody bounds connect's body, which carries a profile of up to
// profile.MaxProfileSize as a JSON string: escaping grows it (a newline
// or quote to two bytes, Go's <, > and & to six), so a profile just under
// its limit must not be refused for the size of its envelope. Twice the
// profile covers every profile that is text; a larger profile is refused
// with the profile's limit named either way.
const maxConnectBody = 2*profile.MaxProfileSize + 64<<10

// readJSON decodes the request body into v, answering 400 when it cannot.
func readJSON(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	if err := decodeBody(w, r, v, limit); err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			writeError(w, http.StatusRequestEntityTooLarge, api.CodeBadRequest,
				fmt.Sprintf("read request: the body is larger than %s, the most this request may have", mib(limit)))
			return false
		}
		writeError(w, http.StatusBadRequest, api.CodeBadRequest, "read request: "+err.Error())
		return false
	}
	return true
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	return decodeJSON(http.MaxBytesReader(w, r.Body, limit), v)
}

// errTrailing refuses a body with more after its JSON value: a client that
// sends two values, or a truncated concatenation, has a bug to be told of.
var errTrailing = errors.New("unexpected data after the JSON body; send one JSON object")

// decodeJSON decodes exactly one JSON value from body into v.
func decodeJSON(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return errTrailing
	}
	return nil
}

// mib formats a byte count for a message.
func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, api.ErrorBody{Code: code, Message: msg})
}
