package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// The access check (access.go) runs when a request arrives; a stream —
// /v1/events, logs?follow — lasts as long as its client likes. Without a
// second look, a user who left the console (or whose session ended) would
// keep receiving prompts and log lines that a new request of theirs is
// refused. So each stream of a caller who is not root asks Server.allowed
// again every streamRecheck, and ends when the answer is no.
//
// The session sources offer no change notification (utmp is a file,
// logind's signals are not wired), so the re-check is the poll; it costs
// one Sessions call per open stream per period.

// streamRecheck is how often an open stream's caller is checked again: the
// longest a stream outlives its caller's right to it.
const streamRecheck = 2 * time.Second

// errStreamRevoked is the cause of a stream context ended by the re-check.
var errStreamRevoked = errors.New("the caller is no longer allowed to use the cvpn service")

// streamContext returns the context a streaming handler should run under:
// r's, ended too when r's caller stops passing the access check. Its cause
// (context.Cause) then wraps errStreamRevoked and says why. Call the
// CancelFunc when the stream ends.
func (s *Server) streamContext(r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(r.Context())
	p := peerOf(r)
	if p.Admin {
		return ctx, func() { cancel(nil) } // root is always allowed
	}
	what := r.Method + " " + r.URL.Path
	go func() {
		tick := time.NewTicker(streamRecheck)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			err := s.allowed(ctx, p)
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				return // the client left first
			}
			s.logf("ended the %s stream of uid %d (pid %d): %v", what, p.UID, p.PID, err)
			cancel(fmt.Errorf("%w: %v", errStreamRevoked, err))
			return
		}
	}()
	return ctx, func() { cancel(nil) }
}

// streamWriteGrace is how long a handler whose stream was ended may still
// write (the line that says why) before its writes fail.
const streamWriteGrace = time.Second

// guardStream is streamContext for a handler that writes to w. When the
// access check ends the stream, the handler may be blocked in a write to
// a client that stopped reading, where no context reaches it; so w's write
// deadline is set then too, and that write fails after streamWriteGrace
// instead of holding the handler and its connection for as long as the
// client likes.
func (s *Server) guardStream(w http.ResponseWriter, r *http.Request) (context.Context, context.CancelFunc) {
	ctx, cancel := s.streamContext(r)
	stopCut := context.AfterFunc(ctx, func() {
		if revokedCause(ctx) != nil {
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(streamWriteGrace))
		}
	})
	return ctx, func() {
		stopCut()
		cancel()
	}
}

// revokedCause returns why ctx, from streamContext, ended if the access
// check ended it, or nil.
func revokedCause(ctx context.Context) error {
	if cause := context.Cause(ctx); errors.Is(cause, errStreamRevoked) {
		return cause
	}
	return nil
}
