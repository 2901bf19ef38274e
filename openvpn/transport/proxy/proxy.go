// Package proxy asks an HTTP or SOCKS5 proxy to open a TCP connection to an
// OpenVPN server, over a connection to the proxy the caller already holds:
//
//	caller: dial the proxy ──▶ HTTPConnect / SOCKS5Connect ──▶ transport.FromTCP
//	                              (the same socket, now a tunnel to the server)
//
// It speaks HTTP CONNECT as OpenVPN 2.6 does (HTTP/1.0 unless 1.1 is asked,
// Basic authentication, User-Agent and custom headers) and SOCKS5 CONNECT
// (RFC 1928) with username/password authentication (RFC 1929), and sets up
// SOCKS5 UDP relays for UDP remotes (UDP ASSOCIATE, socksudp.go). Neither reads
// a byte past the proxy's answer, so the socket can be handed to the TCP
// transport as it is. Both bound the exchange by the context's deadline and
// return typed errors: *AuthError when the proxy wants (other) credentials,
// so the caller can ask the user and retry once on a new connection.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// ErrAuth matches every *AuthError.
var ErrAuth = errors.New("proxy authentication required")

// AuthError is a proxy refusing to connect without (other) credentials: an
// HTTP 407, or a SOCKS5 proxy that accepts no method we offered or refused
// the username and password.
type AuthError struct {
	Proxy string // host:port
	// Refused is set when credentials were sent and turned down.
	Refused bool
	// Schemes are the HTTP authentication schemes the proxy offers
	// (Proxy-Authenticate), such as "Basic", "NTLM", "Negotiate".
	Schemes []string
	// Status is the proxy's status line or reply, sanitised.
	Status string
}

func (e *AuthError) Error() string {
	what := "requires authentication"
	if e.Refused {
		what = "refused the username and password"
	}
	s := fmt.Sprintf("the proxy %s %s", e.Proxy, what)
	if e.Status != "" {
		s += " (" + e.Status + ")"
	}
	return s
}

// Unwrap makes errors.Is(err, ErrAuth) work.
func (e *AuthError) Unwrap() error { return ErrAuth }

// OffersBasic reports whether an HTTP proxy accepts Basic authentication,
// the only scheme cvpn has. A 407 naming no scheme at all is taken to.
func (e *AuthError) OffersBasic() bool {
	if len(e.Schemes) == 0 {
		return true
	}
	for _, s := range e.Schemes {
		if strings.EqualFold(s, "basic") {
			return true
		}
	}
	return false
}

// RefusedError is a proxy declining to connect to the target for a reason
// other than authentication: an HTTP status such as 403 or 502, or a SOCKS5
// reply such as "connection not allowed by ruleset".
type RefusedError struct {
	Proxy  string // host:port
	Target string // host:port asked for
	Status string // sanitised status line or reply meaning
	Code   int    // HTTP status code or SOCKS5 reply code
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("the proxy %s refused to connect to %s: %s", e.Proxy, e.Target, e.Status)
}

// Credentials sign in to a proxy; the zero value sends none.
type Credentials struct {
	Username string
	Password string
}

// Empty reports whether there is nothing to send.
func (c Credentials) Empty() bool { return c.Username == "" && c.Password == "" }

// exchange bounds a handshake on conn by ctx: its deadline becomes the
// socket's, and cancelling ctx unblocks a read or write at once. The
// returned function restores the socket for the transport (no deadline).
func exchange(ctx context.Context, conn net.Conn) (done func()) {
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	return func() {
		stop()
		_ = conn.SetDeadline(time.Time{})
	}
}

// ioError names the step a handshake failed at, and says when the cause was
// the deadline.
func ioError(ctx context.Context, proxy, step string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s with the proxy %s: %w", step, proxy, ctx.Err())
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%s with the proxy %s: no answer in time: %w", step, proxy, context.DeadlineExceeded)
	}
	return fmt.Errorf("%s with the proxy %s: %w", step, proxy, err)
}

// sanitize makes text from the network safe to show: printable ASCII only,
// at most 120 bytes.
func sanitize(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < 120; i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		b.WriteByte(c)
	}
	return strings.TrimSpace(b.String())
}
