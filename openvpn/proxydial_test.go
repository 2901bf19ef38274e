package openvpn

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/profile"
)

// httpProxyFake is an HTTP proxy on loopback that wants Basic bob:pw
// (when auth is set) and answers 403 for port 22; it counts requests and
// records whether they carried credentials.
type httpProxyFake struct {
	ln   net.Listener
	auth bool
	mu   sync.Mutex
	reqs []string
	wg   sync.WaitGroup
}

func newHTTPProxyFake(t *testing.T, auth bool) *httpProxyFake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &httpProxyFake{ln: ln, auth: auth}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer c.Close()
				f.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		f.wg.Wait()
	})
	return f
}

func (f *httpProxyFake) serve(c net.Conn) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	var req strings.Builder
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return
		}
		req.WriteString(l)
		if l == "\r\n" {
			break
		}
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req.String())
	f.mu.Unlock()
	switch {
	case strings.Contains(req.String(), ":22 HTTP/"):
		io.WriteString(c, "HTTP/1.0 403 Forbidden\r\n\r\n")
	case f.auth && !strings.Contains(req.String(), "Proxy-Authorization: Basic Ym9iOnB3\r\n"):
		io.WriteString(c, "HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\n\r\n")
	default:
		io.WriteString(c, "HTTP/1.0 200 Connection established\r\n\r\n")
	}
}

func (f *httpProxyFake) addr() netip.AddrPort { return f.ln.Addr().(*net.TCPAddr).AddrPort() }

func (f *httpProxyFake) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.reqs...)
}

// proxyPrompts answers PromptProxyAuth with the given passwords in turn.
type proxyPrompts struct {
	mu    sync.Mutex
	asked []Prompt
	pws   []string
}

func (p *proxyPrompts) Prompt(ctx context.Context, req *Prompt) (*Answer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, *req)
	if len(p.pws) == 0 {
		return nil, ErrCanceled
	}
	pw := p.pws[0]
	p.pws = p.pws[1:]
	return &Answer{Username: "bob", Password: pw}, nil
}

func proxySession(pr Prompter) *Session {
	return &Session{prof: &profile.Profile{Name: "corp"}, opts: Options{Prompter: pr}}
}

func TestDialProxyAsksOn407AndRemembers(t *testing.T) {
	f := newHTTPProxyFake(t, true)
	px := &profile.Proxy{Type: profile.ProxyHTTP, Host: "127.0.0.1", Port: int(f.addr().Port()), HTTPVersion: "1.0"}
	pr := &proxyPrompts{pws: []string{"pw"}}
	s := proxySession(pr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := 0; i < 2; i++ {
		c, err := s.dialProxy(ctx, px, f.addr(), "vpn.example.com", 443, false)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		if c.RemoteAddr() != f.addr() {
			t.Errorf("link address %v, want the proxy's %v", c.RemoteAddr(), f.addr())
		}
		c.Close()
	}
	if len(pr.asked) != 1 {
		t.Fatalf("asked %d times, want once (the answer is kept for reconnections)", len(pr.asked))
	}
	if a := pr.asked[0]; a.Kind != PromptProxyAuth || a.Proxy != px.Address() || a.Profile != "corp" || !a.AskPassword {
		t.Errorf("prompt %+v", a)
	}
	reqs := f.requests()
	if len(reqs) != 3 || strings.Contains(reqs[0], "Proxy-Authorization") || !strings.Contains(reqs[2], "Proxy-Authorization") {
		t.Errorf("requests:\n%q", reqs)
	}
	if !strings.HasPrefix(reqs[0], "CONNECT vpn.example.com:443 HTTP/1.0\r\n") {
		t.Errorf("request %q", reqs[0])
	}
}

func TestDialProxyErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := newHTTPProxyFake(t, true)
	port := int(f.addr().Port())
	tests := []struct {
		name    string
		px      profile.Proxy
		pr      Prompter
		port    int
		wantErr string
		fatal   bool
	}{
		{name: "no prompter", px: profile.Proxy{Auth: profile.ProxyAuthNone},
			wantErr: "requires authentication (407 Proxy Authentication Required), but the profile gives no credentials", fatal: true},
		{name: "wrong twice", px: profile.Proxy{}, pr: &proxyPrompts{pws: []string{"x", "y"}},
			wantErr: "refused the username and password (407 Proxy Authentication Required); check the proxy username and password", fatal: true},
		{name: "auto-nct", px: profile.Proxy{Auth: profile.ProxyAuthAutoNCT}, pr: &proxyPrompts{pws: []string{"pw"}},
			wantErr: "auto-nct", fatal: true},
		{name: "canceled prompt", px: profile.Proxy{AskCredentials: true, Auth: profile.ProxyAuthBasic}, pr: &proxyPrompts{},
			wantErr: "ask for the proxy's credentials: canceled", fatal: true},
		{name: "profile creds used up front", px: profile.Proxy{Auth: profile.ProxyAuthBasic, Username: "bob", Password: "pw"}},
		{name: "auto sends profile creds on 407", px: profile.Proxy{Auth: profile.ProxyAuthAuto, Username: "bob", Password: "pw"}},
		{name: "403", px: profile.Proxy{Auth: profile.ProxyAuthBasic, Username: "bob", Password: "pw"}, port: 22,
			wantErr: "refused to connect to vpn.example.com:22: 403 Forbidden — check that the proxy allows connections to vpn.example.com port 22"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			px := tt.px
			px.Type, px.Host, px.Port = profile.ProxyHTTP, "127.0.0.1", port
			target := 443
			if tt.port != 0 {
				target = tt.port
			}
			c, err := proxySession(tt.pr).dialProxy(ctx, &px, f.addr(), "vpn.example.com", target, false)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				c.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			var fe *fatalError
			if errors.As(err, &fe) != tt.fatal {
				t.Errorf("fatal = %v, want %v", !tt.fatal, tt.fatal)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error shows a password: %v", err)
			}
		})
	}
}

// socksFake is a SOCKS5 proxy on loopback that wants username/password
// bob:pw and then lets every CONNECT through.
func socksFake(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				var h [2]byte
				if _, err := io.ReadFull(c, h[:]); err != nil {
					return
				}
				methods := make([]byte, h[1])
				io.ReadFull(c, methods)
				if !strings.ContainsRune(string(methods), 2) {
					c.Write([]byte{5, 0xff})
					return
				}
				c.Write([]byte{5, 2})
				var b [1]byte
				io.ReadFull(c, b[:]) // version
				io.ReadFull(c, b[:])
				u := make([]byte, b[0])
				io.ReadFull(c, u)
				io.ReadFull(c, b[:])
				p := make([]byte, b[0])
				io.ReadFull(c, p)
				if string(u) != "bob" || string(p) != "pw" {
					c.Write([]byte{1, 1})
					return
				}
				c.Write([]byte{1, 0})
				req := make([]byte, 5)
				io.ReadFull(c, req)
				io.ReadFull(c, make([]byte, int(req[4])+2)) // domain name and port
				c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 1})
				io.Copy(io.Discard, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

// TestDialProxySOCKSAsks: a SOCKS proxy accepting none of the methods
// offered without credentials makes cvpn ask, then retry with the answer.
func TestDialProxySOCKSAsks(t *testing.T) {
	addr := socksFake(t)
	px := &profile.Proxy{Type: profile.ProxySOCKS5, Host: "127.0.0.1", Port: int(addr.Port())}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pr := &proxyPrompts{pws: []string{"pw"}}
	c, err := proxySession(pr).dialProxy(ctx, px, addr, "vpn.example.com", 443, false)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if len(pr.asked) != 1 || pr.asked[0].Kind != PromptProxyAuth || pr.asked[0].Proxy != addr.String() {
		t.Errorf("prompts %+v", pr.asked)
	}
	// A wrong answer is asked again once, with the reason, then fails.
	pr = &proxyPrompts{pws: []string{"x", "y"}}
	px.Username, px.Password = "bob", "stale"
	_, err = proxySession(pr).dialProxy(ctx, px, addr, "vpn.example.com", 443, false)
	var fe *fatalError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "refused the username and password") {
		t.Fatalf("error %v", err)
	}
	if len(pr.asked) != 1 || pr.asked[0].Retry == "" {
		t.Errorf("prompts %+v, want one with a Retry reason", pr.asked)
	}
}
