package openvpn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"github.com/cvpn/cvpn/openvpn/transport"
	"github.com/cvpn/cvpn/openvpn/transport/proxy"
	"github.com/cvpn/cvpn/profile"
)

// Connecting through a proxy (http-proxy, socks-proxy):
//
//	resolve the PROXY's name ─▶ dial it ─▶ CONNECT to the server's name as
//	written (the proxy resolves it) ─▶ frame OpenVPN over the same socket
//
// A UDP remote behind a SOCKS proxy goes through a UDP ASSOCIATE relay
// instead, each datagram carrying a header naming the server; the TCP
// connection to the proxy stays open, as the association lives with it.
//
// The link's address is the proxy's (or its relay's): that is where the
// packets go, so it is the address Configure must keep outside the tunnel. Credentials come from
// the profile, from an earlier answer (kept in memory for reconnections),
// or from the Prompter (PromptProxyAuth) when the profile says to ask or
// the proxy answers 407; a refusal is retried once with a new answer.

// proxyCreds remembers the user's answers per proxy address.
type proxyCreds struct {
	mu sync.Mutex
	m  map[string]proxy.Credentials
}

func (c *proxyCreds) get(addr string) (proxy.Credentials, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[addr]
	return v, ok
}

func (c *proxyCreds) set(addr string, v proxy.Credentials) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]proxy.Credentials{}
	}
	c.m[addr] = v
}

func (c *proxyCreds) forget(addr string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, addr)
}

// attemptViaProxy is attempt for a remote with a proxy.
func (s *Session) attemptViaProxy(ctx context.Context, r *profile.Remote, host string, n int) attemptResult {
	px := r.Proxy
	proto := r.Proto.String()
	target := net.JoinHostPort(host, strconv.Itoa(r.Port))
	s.setState(StateResolving, StateChange{Detail: fmt.Sprintf("%s proxy %s", px.Type, px.Address()), Proto: proto, Attempt: n})
	rctx, cancel := context.WithTimeout(s.closeCtx, connectTimeout(r))
	addr, err := resolve(rctx, px.Host, px.Port, profile.FamilyAny)
	cancel()
	if err != nil {
		return attemptResult{err: fmt.Errorf("%s proxy: %w", px.Type, err)}
	}
	s.setState(StateConnecting, StateChange{Detail: fmt.Sprintf("%s/%s via %s proxy %v", target, proto, px.Type, addr), Remote: addr, Proto: proto, Attempt: n})
	dctx, cancel := context.WithTimeout(s.closeCtx, connectTimeout(r))
	conn, err := s.dialProxy(dctx, px, addr, host, r.Port, r.Proto == profile.ProtoUDP)
	cancel()
	if err != nil {
		if s.closing() {
			return attemptResult{addr: addr, err: errClosed}
		}
		return attemptResult{addr: addr, err: err}
	}
	// Not "connected": that word is the session's, once the tunnel is up.
	if relay := conn.RemoteAddr(); relay != addr {
		s.logf.printf("reached %s through the %s proxy %v (UDP relay %v)", target, px.Type, addr, relay)
		addr = relay
	} else {
		s.logf.printf("reached %s through the %s proxy %v", target, px.Type, addr)
	}
	return s.runLink(ctx, r, host, addr, conn, n)
}

// dialProxy connects to the proxy at addr and has it connect to host:port,
// asking for credentials and retrying once if the proxy wants them.
func (s *Session) dialProxy(ctx context.Context, px *profile.Proxy, addr netip.AddrPort, host string, port int, udp bool) (transport.Conn, error) {
	key := px.Address()
	creds, err := s.initialProxyCreds(ctx, px)
	if err != nil {
		return nil, err
	}
	for try := 0; ; try++ {
		tc, err := transport.DialStream(ctx, addr)
		if err != nil {
			return nil, fmt.Errorf("connect to the %s proxy %s: %w", px.Type, key, err)
		}
		conn, err := proxyConn(ctx, tc, px, key, addr, host, port, creds, udp)
		if err == nil {
			if !creds.Empty() {
				s.proxy.set(key, creds)
			}
			return conn, nil
		}
		_ = tc.Close()
		var ae *proxy.AuthError
		if !errors.As(err, &ae) {
			return nil, proxyAdvice(px, host, port, err)
		}
		if ae.Refused {
			s.proxy.forget(key)
		}
		if try > 0 {
			return nil, fatal(fmt.Errorf("%w; check the proxy username and password", err))
		}
		if px.Type == profile.ProxyHTTP && !ae.OffersBasic() {
			return nil, fatal(fmt.Errorf("%w, and offers only %v, which cvpn does not support (it only does basic); ask for basic authentication on the proxy or use a SOCKS proxy", err, ae.Schemes))
		}
		if px.Type == profile.ProxyHTTP && px.Auth == profile.ProxyAuthAutoNCT {
			return nil, fatal(fmt.Errorf("%w, but the profile says auto-nct, which forbids sending the password in clear text (basic), the only method cvpn has; use `auto` instead if the proxy connection is trusted", err))
		}
		// 'auto' with credentials in the profile: this is when OpenVPN
		// sends them.
		if creds.Empty() && px.Username != "" && !ae.Refused {
			creds = proxy.Credentials{Username: px.Username, Password: px.Password}
			continue
		}
		reason := ""
		if ae.Refused {
			reason = "the proxy refused the username and password"
		}
		creds, err = s.askProxyCreds(ctx, px, creds.Username, reason, err)
		if err != nil {
			return nil, err
		}
	}
}

// proxyConn runs the handshake on tc and returns the transport: tc itself
// for TCP, or a socket to the SOCKS relay that owns tc for UDP.
func proxyConn(ctx context.Context, tc *net.TCPConn, px *profile.Proxy, key string, addr netip.AddrPort, host string, port int, creds proxy.Credentials, udp bool) (transport.Conn, error) {
	if !udp {
		if err := handshake(ctx, tc, px, key, host, port, creds); err != nil {
			return nil, err
		}
		return transport.FromTCP(tc), nil
	}
	if px.Type != profile.ProxySOCKS5 {
		return nil, fatal(fmt.Errorf("an HTTP proxy cannot carry UDP; use proto tcp"))
	}
	relay, err := proxy.SOCKS5UDPAssociate(ctx, tc, key, addr.Addr(), creds)
	if err != nil {
		return nil, err
	}
	hdr, err := proxy.UDPHeader(host, port)
	if err != nil {
		return nil, fatal(err)
	}
	var d net.Dialer
	uc, err := d.DialContext(ctx, "udp", relay.String())
	if err != nil {
		return nil, fmt.Errorf("connect to the UDP relay %s of the socks5 proxy %s: %w", relay, key, err)
	}
	return transport.FromRelay(uc.(*net.UDPConn), tc, hdr, proxy.StripUDPHeader), nil
}

// handshake runs the proxy's protocol on a fresh connection.
func handshake(ctx context.Context, c net.Conn, px *profile.Proxy, key, host string, port int, creds proxy.Credentials) error {
	if px.Type == profile.ProxySOCKS5 {
		return proxy.SOCKS5Connect(ctx, c, key, host, port, creds)
	}
	o := proxy.HTTPOptions{Version: px.HTTPVersion, UserAgent: px.UserAgent, Credentials: creds}
	for _, h := range px.Headers {
		o.Headers = append(o.Headers, proxy.Header{Name: h.Name, Value: h.Value})
	}
	return proxy.HTTPConnect(ctx, c, key, net.JoinHostPort(host, strconv.Itoa(port)), o)
}

// initialProxyCreds picks what to send with the first request: an answer
// from an earlier attempt, the profile's credentials when it sends them up
// front (SOCKS, or HTTP basic; 'auto' waits for a 407, as OpenVPN does), or
// the user's answer when the profile says to ask.
func (s *Session) initialProxyCreds(ctx context.Context, px *profile.Proxy) (proxy.Credentials, error) {
	if c, ok := s.proxy.get(px.Address()); ok {
		return c, nil
	}
	upFront := px.Type == profile.ProxySOCKS5 || px.Auth == profile.ProxyAuthBasic
	if px.Username != "" && upFront {
		return proxy.Credentials{Username: px.Username, Password: px.Password}, nil
	}
	if px.AskCredentials {
		return s.askProxyCreds(ctx, px, px.Username, "", nil)
	}
	return proxy.Credentials{}, nil
}

// askProxyCreds asks the Prompter for the proxy's username and password.
// cause is the proxy's refusal, for the error when nobody can be asked.
func (s *Session) askProxyCreds(ctx context.Context, px *profile.Proxy, user, retry string, cause error) (proxy.Credentials, error) {
	if s.opts.Prompter == nil {
		what := fmt.Sprintf("the %s proxy %s requires a username and password", px.Type, px.Address())
		if cause != nil {
			what = cause.Error()
		}
		return proxy.Credentials{}, fatal(fmt.Errorf("%s, but the profile gives no credentials and there is no one to ask; add an <http-proxy-user-pass> block (username on the first line, password on the second) for an HTTP proxy, or an auth file to the socks-proxy line, or connect from the app so that it can ask", what))
	}
	ans, err := s.opts.Prompter.Prompt(ctx, &Prompt{
		Kind: PromptProxyAuth, Profile: s.prof.Name, Proxy: px.Address(),
		Username: user, AskUsername: true, AskPassword: true, Retry: retry,
	})
	if err != nil {
		return proxy.Credentials{}, fatal(fmt.Errorf("ask for the proxy's credentials: %w", err))
	}
	return proxy.Credentials{Username: ans.Username, Password: ans.Password}, nil
}

// proxyAdvice turns a proxy failure into a message that says what to check.
func proxyAdvice(px *profile.Proxy, host string, port int, err error) error {
	var re *proxy.RefusedError
	if errors.As(err, &re) {
		return fmt.Errorf("%w — check that the proxy allows connections to %s port %d", err, host, port)
	}
	return err
}
