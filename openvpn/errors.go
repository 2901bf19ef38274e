package openvpn

import (
	"errors"
	"fmt"

	"github.com/cvpn/cvpn/openvpn/push"
)

// Sentinel errors Wait may return (wrapped); callers turn them into advice.
var (
	// ErrAuthFailed: the server refused the credentials and the profile's
	// auth-retry says not to try again. The *AuthError carries the
	// server's reason.
	ErrAuthFailed = errors.New("authentication failed")
	// ErrClientCertificate: the server refused our certificate during the
	// TLS handshake (revoked, expired, signed by another CA).
	ErrClientCertificate = errors.New("the server refused the client certificate")
	// ErrUnreachable: every attempt to reach a server failed and the
	// profile's connect-retry-max is exhausted.
	ErrUnreachable = errors.New("server unreachable")
	// ErrHalted: the server told us to stop (HALT) or to exit on ping
	// timeout (ping-exit).
	ErrHalted = errors.New("halted by the server")
	// ErrCanceled: the Prompter declined to supply credentials.
	ErrCanceled = errors.New("canceled")
	// ErrNoCredentials: the profile needs a username and password but the
	// Options have no Prompter to ask for them.
	ErrNoCredentials = errors.New("the profile needs credentials but no prompter was given")
	// ErrNegotiation: the server and the profile cannot agree on the data
	// channel (cipher, key derivation, compression).
	ErrNegotiation = errors.New("data channel negotiation failed")
	// ErrNoReconnect: the connection dropped and Options.NoReconnect
	// said not to retry; the wrapped error is why it dropped.
	ErrNoReconnect = errors.New("the connection dropped and auto-reconnect is off; connect again, or turn auto-reconnect on in the settings")
)

// AuthError is an AUTH_FAILED from the server.
type AuthError struct {
	Kind push.AuthFailKind
	// Reason is the server's text after "AUTH_FAILED,", possibly empty.
	Reason string
}

func (e *AuthError) Error() string {
	if e.Reason == "" {
		return ErrAuthFailed.Error()
	}
	return fmt.Sprintf("%v: the server says %q", ErrAuthFailed, e.Reason)
}

// Unwrap makes errors.Is(err, ErrAuthFailed) work.
func (e *AuthError) Unwrap() error { return ErrAuthFailed }

// UnreachableError says how often the servers were tried and why the last
// attempt failed.
type UnreachableError struct {
	Attempts int
	Last     error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%v after %d attempts: %v", ErrUnreachable, e.Attempts, e.Last)
}

// Unwrap exposes ErrUnreachable and the last attempt's error.
func (e *UnreachableError) Unwrap() []error { return []error{ErrUnreachable, e.Last} }

// Reasons a connection ends and the session reconnects. They reach the
// user inside StateChange events, so they read as sentences.
var (
	errPingRestart      = errors.New("no packets from the server (ping-restart)")
	errServerExit       = &serverEnded{"the server is shutting down (exit notification)"}
	errHandshakeTimeout = errors.New("tls handshake did not complete within hand-window")
	errPushTimeout      = errors.New("no reply from the server to PUSH_REQUEST within hand-window")
	errResetTimeout     = errors.New("no answer from the server within connect-timeout")
	errClosed           = errors.New("session closed")
)

// ErrServerEnded is matched (errors.Is) by a connection the server ended
// on purpose: an exit notification or RESTART. The session reconnects.
var ErrServerEnded = errors.New("the server ended the connection")

// serverEnded is a reconnect reason that is the server's doing.
type serverEnded struct{ msg string }

func (e *serverEnded) Error() string        { return e.msg }
func (e *serverEnded) Is(target error) bool { return target == ErrServerEnded }

// Is makes a RESTART match ErrServerEnded.
func (e *restartError) Is(target error) bool { return target == ErrServerEnded }

// restartError is a RESTART from the server.
type restartError struct{ r *push.Restart }

func (e *restartError) Error() string {
	if e.r.Message == "" {
		return "the server asked us to reconnect (RESTART)"
	}
	return fmt.Sprintf("the server asked us to reconnect (RESTART: %s)", e.r.Message)
}

// tempAuthError is AUTH_FAILED,TEMP: retry after a backoff.
type tempAuthError struct{ a *push.AuthFailed }

func (e *tempAuthError) Error() string {
	return fmt.Sprintf("the server cannot authenticate us right now: %s", e.a.Reason)
}

// challengeError is an AUTH_FAILED,CRV1 dynamic challenge; the session
// asks the Prompter and reconnects with the answer.
type challengeError struct{ c *push.Challenge }

func (e *challengeError) Error() string { return "the server asks a challenge question" }

// fatalError marks an error after which reconnecting cannot help.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

func fatal(err error) error { return &fatalError{err} }
