package service

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/userguard"
	"github.com/cvpn/cvpn/tunnel"
)

// reasons maps the engine's and the manager's errors to the API's reason
// codes, first match wins. It is the only place that does: the CLI and the
// GUI choose their advice by the code and never see these errors. Order
// matters where one error wraps another (a canceled prompt wraps
// openvpn.ErrCanceled, and carries its own reason: see reasonOf).
var reasons = []struct {
	reason api.Reason
	match  func(error) bool
}{
	{api.ReasonTooManyUsers, func(err error) bool { var u *userguard.TooManyUsersError; return errors.As(err, &u) }},
	{api.ReasonUserGuard, is(tunnel.ErrGuardUnsure)},
	{api.ReasonRouteConflict, func(err error) bool { var c *tunnel.ConflictError; return errors.As(err, &c) }},
	{api.ReasonServiceStopping, is(tunnel.ErrStopping, tunnel.ErrClosed)},
	{api.ReasonBadPassphrase, is(openvpn.ErrBadPassphrase)},
	{api.ReasonNeedPassphrase, is(openvpn.ErrNoPassphrase)},
	{api.ReasonNeedCredentials, is(openvpn.ErrNoCredentials)},
	{api.ReasonAuthFailed, is(openvpn.ErrAuthFailed)},
	{api.ReasonCertRejected, is(openvpn.ErrClientCertificate)},
	{api.ReasonServerUntrusted, is(openvpn.ErrServerCertificate)},
	{api.ReasonUnreachable, is(openvpn.ErrUnreachable)},
	{api.ReasonServerExit, is(openvpn.ErrHalted, openvpn.ErrServerEnded)},
	{api.ReasonSessionExpired, is(openvpn.ErrSessionExpired)},
	{api.ReasonNegotiation, is(openvpn.ErrNegotiation)},
	{api.ReasonCanceled, is(openvpn.ErrCanceled, context.Canceled)},
	{api.ReasonNetworkError, isNetwork},
	// A drop with auto-reconnect off whose cause is none of the above
	// (ping-restart, a server's restart) is the connection breaking.
	{api.ReasonNetworkError, is(openvpn.ErrNoReconnect)},
}

// ReasonOf classifies err, the cause of a tunnel being in state, as the
// API does; for connect --foreground, which runs a manager without the
// service.
func ReasonOf(err error, state api.State) api.Reason { return reasonOf(err, state) }

// reasonOf classifies err, the cause of a tunnel being in state. A
// reconnect the table cannot place is the connection breaking (the
// engine's own reconnect causes, such as ping-restart, are not exported).
func reasonOf(err error, state api.State) api.Reason {
	if err == nil {
		return ""
	}
	var p *promptError
	if errors.As(err, &p) {
		return p.reason
	}
	for _, r := range reasons {
		if r.match(err) {
			return r.reason
		}
	}
	if state == api.StateReconnecting {
		return api.ReasonNetworkError
	}
	return api.ReasonOther
}

func is(targets ...error) func(error) bool {
	return func(err error) bool {
		for _, t := range targets {
			if errors.Is(err, t) {
				return true
			}
		}
		return false
	}
}

// isNetwork recognizes the socket's own failures.
func isNetwork(err error) bool {
	var ne net.Error
	var errno syscall.Errno
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &errno)
}

// promptError ends a sign-in the user's side declined or never answered,
// with the reason to report. It wraps openvpn.ErrCanceled, which the
// engine takes as "stop, do not ask again".
type promptError struct {
	reason api.Reason
	msg    string
}

func (e *promptError) Error() string { return e.msg }
func (e *promptError) Unwrap() error { return openvpn.ErrCanceled }
