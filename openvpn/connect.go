package openvpn

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/openvpn/transport"
	"github.com/cvpn/cvpn/profile"
)

// attemptResult is how one connection attempt ended.
type attemptResult struct {
	connected bool           // it reached StateConnected
	answered  bool           // the server answered our reset
	usedToken bool           // its key-method 2 carried an auth-token
	addr      netip.AddrPort // the server address used, if resolved
	err       error
	pin       netip.AddrPort // the next attempt must use this address (CRV1)
}

// attempt resolves r once and tries its addresses in turn, as 2.6 does
// before it moves on to the next remote: a name with an A and an AAAA
// record, or several servers behind one name, must not fail over one dead
// address. The next address is tried only while none has answered (see
// tryNextAddress); whatever happens after a server answered is that
// server's, and afterAttempt decides on it.
func (s *Session) attempt(ctx context.Context, r *profile.Remote, n int, pinned netip.AddrPort) attemptResult {
	host := r.Host
	if s.prof.RemoteRandomHostname && !isIPLiteral(host) {
		host = randomHostPrefix() + host
	}
	if r.Proxy != nil {
		return s.attemptViaProxy(ctx, r, host, n)
	}
	proto := r.Proto.String()
	addrs := []netip.AddrPort{pinned}
	if !pinned.IsValid() {
		s.setState(StateResolving, StateChange{Detail: host, Proto: proto, Attempt: n})
		rctx, cancel := context.WithTimeout(s.closeCtx, connectTimeout(r))
		all, err := s.resolveAll(rctx, host, r.Port, r.Family)
		cancel()
		if err != nil {
			return attemptResult{err: err}
		}
		addrs = all
		s.timing("resolved")
	} else {
		s.setState(StateResolving, StateChange{Detail: pinned.Addr().String() + " (kept from the last attempt)", Proto: proto, Attempt: n})
	}
	var res attemptResult
	for i, addr := range addrs {
		detail := fmt.Sprintf("%v/%s", addr, proto)
		if len(addrs) > 1 {
			detail += fmt.Sprintf(" (address %d of %d for %s)", i+1, len(addrs), host)
		}
		ch := StateChange{Detail: detail, Remote: addr, Proto: proto, Attempt: n}
		if s.State() == StateConnecting {
			s.setDetail(StateConnecting, ch)
		} else {
			s.setState(StateConnecting, ch)
		}
		res = s.attemptAddr(ctx, r, host, addr, n)
		if i == len(addrs)-1 || !s.tryNextAddress(ctx, &res) {
			break
		}
		s.logf.printf("%v did not answer (%v); trying the next address of %s", addr, res.err, host)
	}
	return res
}

// attemptAddr opens the transport to addr and runs the connection.
func (s *Session) attemptAddr(ctx context.Context, r *profile.Remote, host string, addr netip.AddrPort, n int) attemptResult {
	dctx, cancel := context.WithTimeout(s.closeCtx, connectTimeout(r))
	tp := transport.UDP
	if r.Proto == profile.ProtoTCP {
		tp = transport.TCP
	}
	conn, err := dialRemote(dctx, r, tp, addr)
	cancel()
	if err != nil {
		return attemptResult{addr: addr, err: err}
	}
	s.timing("transport")
	return s.runLink(ctx, r, host, addr, conn, n)
}

// tryNextAddress reports whether an attempt that ended as res should go on
// to the remote's next address: only when the server there never answered
// and the session is not stopping.
func (s *Session) tryNextAddress(ctx context.Context, res *attemptResult) bool {
	var fe *fatalError
	switch {
	case res.connected, res.answered, s.closing(), ctx.Err() != nil,
		errors.Is(res.err, errClosed), errors.As(res.err, &fe):
		return false
	}
	return true
}

// runLink runs one connection over conn until it ends.
func (s *Session) runLink(ctx context.Context, r *profile.Remote, host string, addr netip.AddrPort, conn transport.Conn, n int) attemptResult {
	l, err := newLink(s, r, host, addr, conn, n)
	if err != nil {
		_ = conn.Close()
		return attemptResult{addr: addr, err: err}
	}
	err = l.run(ctx)
	return attemptResult{connected: l.connected, answered: !l.peer.IsZero(), usedToken: l.usedToken, addr: addr, err: err}
}

// afterAttempt decides what follows a finished attempt: how long to wait,
// whether to move on to the next remote, or (err) to stop.
func (s *Session) afterAttempt(ctx context.Context, res *attemptResult) (delay time.Duration, advance bool, err error) {
	e := res.err
	var (
		fe  *fatalError
		ae  *AuthError
		ce  *challengeError
		te  *tempAuthError
		rst *restartError
	)
	switch {
	case errors.Is(e, errClosed) || s.closing():
		return 0, false, errClosed
	case ctx.Err() != nil:
		return 0, false, ctx.Err()
	case errors.As(e, &fe):
		return 0, false, fe.err
	case errors.As(e, &ae):
		retry := s.auth.failed(ae, res.usedToken)
		s.events.push(&AuthFailure{Time: time.Now(), Kind: ae.Kind, Reason: ae.Reason, Retrying: retry})
		if !retry {
			return 0, false, ae
		}
		if s.prof.Auth.Retry == profile.AuthRetryNoInteract && !res.usedToken {
			delay = 5 * time.Second // as a stock client, not to hammer the server
		}
		return delay, false, nil
	case errors.As(e, &ce):
		s.events.push(&AuthFailure{Time: time.Now(), Kind: push.AuthFailChallenge, Reason: ce.c.Text, Retrying: true})
		if err := s.auth.challenge(s.closeCtx, s, ce.c); err != nil {
			if s.closing() {
				return 0, false, errClosed
			}
			return 0, false, err
		}
		// The challenge state lives on the server instance that sent it:
		// answer it at the same address.
		res.pin = res.addr
		return 0, false, nil
	case errors.As(e, &te):
		s.events.push(&AuthFailure{Time: time.Now(), Kind: push.AuthFailTemp, Reason: te.a.Reason, Retrying: true})
		delay = 10 * time.Second
		if t := te.a.Temp; t != nil {
			if t.Backoff > 0 {
				delay = t.Backoff
			}
			return delay, t.Advance == push.AdvanceRemote, nil
		}
		return delay, false, nil
	case errors.As(e, &rst):
		return time.Second, rst.r.NextServer, nil
	case res.connected:
		// A working connection was lost: try the same server again first.
		return time.Second, false, nil
	}
	return 0, true, nil
}

func connectTimeout(r *profile.Remote) time.Duration {
	if r.ConnectTimeout > 0 {
		return r.ConnectTimeout
	}
	return 120 * time.Second
}

func isIPLiteral(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil
}

// randomHostPrefix is remote-random-hostname's prefix: 6 random bytes as
// 12 hex digits and a dot, so every attempt asks a wildcard DNS name the
// resolver has not cached.
func randomHostPrefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "."
}

// resolve looks host up and picks its first address of the wanted family
// (for a proxy, which is reached at one address).
func resolve(ctx context.Context, host string, port int, fam profile.Family) (netip.AddrPort, error) {
	all, err := resolveWith(ctx, nil, host, port, fam)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return all[0], nil
}

// resolveAll looks host up once and returns every address of the wanted
// family, in the resolver's order (which ranks them as RFC 6724 says),
// without duplicates.
func (s *Session) resolveAll(ctx context.Context, host string, port int, fam profile.Family) ([]netip.AddrPort, error) {
	return resolveWith(ctx, s.opts.lookup, host, port, fam)
}

func resolveWith(ctx context.Context, lookup func(context.Context, string, string) ([]netip.Addr, error), host string, port int, fam profile.Family) ([]netip.AddrPort, error) {
	if port == 0 {
		port = 1194
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(a.Unmap(), uint16(port))}, nil
	}
	network := "ip"
	switch fam {
	case profile.FamilyIPv4:
		network = "ip4"
	case profile.FamilyIPv6:
		network = "ip6"
	}
	if lookup == nil {
		lookup = net.DefaultResolver.LookupNetIP
	}
	addrs, err := lookup(ctx, network, host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	var out []netip.AddrPort
	for _, a := range addrs {
		a = a.Unmap()
		if (fam == profile.FamilyIPv4 && !a.Is4()) || (fam == profile.FamilyIPv6 && !a.Is6()) {
			continue
		}
		ap := netip.AddrPortFrom(a, uint16(port))
		if !slices.Contains(out, ap) {
			out = append(out, ap)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("resolve %s: no %s address", host, network)
	}
	return out, nil
}
