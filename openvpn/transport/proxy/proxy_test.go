package proxy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
)

// fake runs serve as the proxy end of an in-memory connection and returns
// the client end. serve's goroutine ends with the test.
func fake(t *testing.T, serve func(c net.Conn)) net.Conn {
	t.Helper()
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer server.Close()
		serve(server)
	}()
	t.Cleanup(func() {
		client.Close()
		<-done
	})
	return client
}

// readRequest reads a CONNECT request up to its blank line.
func readRequest(c net.Conn) (string, error) {
	r := bufio.NewReader(c)
	var b strings.Builder
	for {
		l, err := r.ReadString('\n')
		b.WriteString(l)
		if err != nil {
			return b.String(), err
		}
		if l == "\r\n" {
			return b.String(), nil
		}
	}
}

// httpProxy answers each request with the answer picked by the
// Proxy-Authorization it carried, then sends "TUNNEL" as the server would.
func httpProxy(answer func(req string) string, got *string) func(net.Conn) {
	return func(c net.Conn) {
		req, err := readRequest(c)
		if got != nil {
			*got = req
		}
		if err != nil {
			return
		}
		a := answer(req)
		io.WriteString(c, a)
		if strings.Contains(a, " 200 ") {
			io.WriteString(c, "TUNNEL")
			io.Copy(io.Discard, c)
		}
	}
}

const basicBobPW = "Proxy-Authorization: Basic Ym9iOnB3\r\n" // bob:pw

func TestHTTPConnect(t *testing.T) {
	ok := func(string) string { return "HTTP/1.0 200 Connection established\r\nProxy-Agent: fake\r\n\r\n" }
	needAuth := func(req string) string {
		if strings.Contains(req, basicBobPW) {
			return "HTTP/1.1 200 OK\r\n\r\n"
		}
		return "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nProxy-Authenticate: Negotiate\r\nContent-Length: 0\r\n\r\n"
	}
	tests := []struct {
		name    string
		opts    HTTPOptions
		answer  func(string) string
		raw     func(net.Conn) // instead of answer
		timeout time.Duration
		// wantReq are substrings of the request; wantErr of the error.
		wantReq []string
		noReq   []string
		wantErr string
		check   func(t *testing.T, err error)
	}{
		{name: "200 http/1.0", answer: ok,
			wantReq: []string{"CONNECT vpn.example.com:443 HTTP/1.0\r\n"}, noReq: []string{"Host:", "Proxy-Authorization", "User-Agent"}},
		{name: "200 http/1.1 agent headers", answer: ok,
			opts:    HTTPOptions{Version: "1.1", UserAgent: "Mozilla/5.0", Headers: []Header{{"X-Corp", "a b"}, {"X-Bare", ""}}},
			wantReq: []string{"CONNECT vpn.example.com:443 HTTP/1.1\r\nHost: vpn.example.com:443\r\nUser-Agent: Mozilla/5.0\r\nX-Corp: a b\r\nX-Bare\r\n\r\n"}},
		{name: "407 without credentials", answer: needAuth, wantErr: "the proxy proxy:3128 requires authentication (407 Proxy Authentication Required)",
			check: func(t *testing.T, err error) {
				var ae *AuthError
				if !errors.As(err, &ae) || ae.Refused || !ae.OffersBasic() || strings.Join(ae.Schemes, ",") != "Basic,Negotiate" {
					t.Errorf("want an AuthError offering Basic, got %#v", err)
				}
			}},
		{name: "407 then credentials", answer: needAuth, opts: HTTPOptions{Credentials: Credentials{"bob", "pw"}}, wantReq: []string{basicBobPW}},
		{name: "407 wrong credentials", answer: needAuth, opts: HTTPOptions{Credentials: Credentials{"bob", "nope"}},
			wantErr: "refused the username and password", check: func(t *testing.T, err error) {
				var ae *AuthError
				if !errors.As(err, &ae) || !ae.Refused || !errors.Is(err, ErrAuth) {
					t.Errorf("want a refused AuthError, got %#v", err)
				}
			}},
		{name: "407 ntlm only", answer: func(string) string {
			return "HTTP/1.1 407 Auth\r\nProxy-Authenticate: NTLM\r\nProxy-Authenticate: Negotiate, Kerberos\r\n\r\n"
		}, check: func(t *testing.T, err error) {
			var ae *AuthError
			if !errors.As(err, &ae) || ae.OffersBasic() || strings.Join(ae.Schemes, ",") != "NTLM,Negotiate,Kerberos" {
				t.Errorf("want an AuthError without Basic, got %#v", err)
			}
		}},
		{name: "403", answer: func(string) string { return "HTTP/1.1 403 Forbidden\r\n\r\n" },
			wantErr: "the proxy proxy:3128 refused to connect to vpn.example.com:443: 403 Forbidden", check: func(t *testing.T, err error) {
				var re *RefusedError
				if !errors.As(err, &re) || re.Code != 403 {
					t.Errorf("want a RefusedError 403, got %#v", err)
				}
			}},
		{name: "status sanitised", answer: func(string) string { return "HTTP/1.1 502 Bad\x1b[31m gateway\xff\r\n\r\n" },
			wantErr: "502 Bad?[31m gateway?"},
		{name: "garbage", answer: func(string) string { return "SSH-2.0-OpenSSH_9.2\r\n" }, wantErr: "answered CONNECT with something that is not HTTP"},
		{name: "malformed status", answer: func(string) string { return "HTTP/1.1 2x0 OK\r\n\r\n" }, wantErr: "a malformed status line"},
		{name: "oversize headers", answer: func(string) string {
			return "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("a", 100)+"\r\n", 200) + "\r\n"
		}, wantErr: "more than 16384 bytes of headers"},
		{name: "closed without answer", raw: func(c net.Conn) { readRequest(c) }, wantErr: "closed by the proxy without an answer"},
		{name: "closed mid-answer", raw: func(c net.Conn) { readRequest(c); io.WriteString(c, "HTTP/1.1 200 OK\r\n") }, wantErr: "in the middle of its answer"},
		{name: "slow proxy hits deadline", raw: func(c net.Conn) { readRequest(c); io.Copy(io.Discard, c) }, timeout: 100 * time.Millisecond,
			wantErr: "context deadline exceeded"},
		{name: "user with colon", opts: HTTPOptions{Credentials: Credentials{"a:b", "pw"}}, answer: ok, wantErr: "cannot contain ':'"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			var req string
			serve := tt.raw
			if serve == nil {
				serve = httpProxy(tt.answer, &req)
			}
			c := fake(t, serve)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			err := HTTPConnect(ctx, c, "proxy:3128", "vpn.example.com:443", tt.opts)
			if tt.timeout > 0 && time.Since(start) > tt.timeout+time.Second {
				t.Errorf("took %v with a %v deadline", time.Since(start), tt.timeout)
			}
			switch {
			case tt.wantErr == "" && tt.check == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if err == nil {
				// Nothing past the answer was consumed.
				buf := make([]byte, 6)
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "TUNNEL" {
					t.Errorf("after CONNECT read %q, %v; want TUNNEL", buf, err)
				}
				c.Close()
			}
			for _, w := range tt.wantReq {
				if !strings.Contains(req, w) {
					t.Errorf("request %q lacks %q", req, w)
				}
			}
			for _, w := range tt.noReq {
				if strings.Contains(req, w) {
					t.Errorf("request %q has %q", req, w)
				}
			}
		})
	}
}

// TestHTTPConnectCancel: closing the session's context stops a handshake at
// once, even without a deadline.
func TestHTTPConnectCancel(t *testing.T) {
	c := fake(t, func(c net.Conn) { readRequest(c); io.Copy(io.Discard, c) })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := HTTPConnect(ctx, c, "proxy:3128", "vpn.example.com:443", HTTPOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// socksProxy is a scripted SOCKS5 server: it checks the greeting, picks
// method, checks credentials against user/pass (if method 2), then reads the
// request and replies with rep.
type socksScript struct {
	version    byte // 5 unless set
	method     byte
	user, pass string
	rep        byte
	replyRaw   []byte // instead of a reply built from rep
	gotReq     []byte
	gotMethods []byte
}

func (s *socksScript) serve(c net.Conn) {
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return
	}
	s.gotMethods = make([]byte, hdr[1])
	io.ReadFull(c, s.gotMethods)
	v := s.version
	if v == 0 {
		v = 5
	}
	c.Write([]byte{v, s.method})
	if v != 5 || s.method == 0xff {
		return
	}
	if s.method == 2 {
		var b [2]byte
		io.ReadFull(c, b[:])
		u := make([]byte, b[1])
		io.ReadFull(c, u)
		io.ReadFull(c, b[:1])
		p := make([]byte, b[0])
		io.ReadFull(c, p)
		if string(u) != s.user || string(p) != s.pass {
			c.Write([]byte{1, 1})
			return
		}
		c.Write([]byte{1, 0})
	}
	req := make([]byte, 4)
	io.ReadFull(c, req)
	var addr []byte
	switch req[3] {
	case 1:
		addr = make([]byte, 4+2)
	case 4:
		addr = make([]byte, 16+2)
	case 3:
		var l [1]byte
		io.ReadFull(c, l[:])
		addr = append(l[:], make([]byte, int(l[0])+2)...)
		io.ReadFull(c, addr[1:])
	}
	if req[3] != 3 {
		io.ReadFull(c, addr)
	}
	s.gotReq = append(req, addr...)
	if s.replyRaw != nil {
		c.Write(s.replyRaw)
	} else {
		c.Write([]byte{5, s.rep, 0, 1, 10, 0, 0, 1, 0x12, 0x34})
	}
	if s.rep == 0 {
		io.WriteString(c, "TUNNEL")
		io.Copy(io.Discard, c)
	}
}

func TestSOCKS5Connect(t *testing.T) {
	tests := []struct {
		name    string
		script  socksScript
		host    string
		creds   Credentials
		wantReq []byte
		wantErr string
		check   func(t *testing.T, err error)
	}{
		{name: "no auth domain", host: "vpn.example.com",
			wantReq: append(append([]byte{5, 1, 0, 3, 15}, "vpn.example.com"...), 0x01, 0xbb)},
		{name: "no auth ipv4", host: "192.0.2.7", wantReq: []byte{5, 1, 0, 1, 192, 0, 2, 7, 0x01, 0xbb}},
		{name: "no auth ipv6", host: "2001:db8::1", wantReq: []byte{5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xbb}},
		{name: "user/pass ok", host: "vpn.example.com", script: socksScript{method: 2, user: "bob", pass: "pw"}, creds: Credentials{"bob", "pw"}},
		{name: "user/pass refused", host: "vpn.example.com", script: socksScript{method: 2, user: "bob", pass: "pw"}, creds: Credentials{"bob", "no"},
			wantErr: "the proxy socks:1080 refused the username and password", check: func(t *testing.T, err error) {
				var ae *AuthError
				if !errors.As(err, &ae) || !ae.Refused {
					t.Errorf("want a refused AuthError, got %#v", err)
				}
			}},
		{name: "auth required", host: "vpn.example.com", script: socksScript{method: 0xff},
			wantErr: "requires authentication (no acceptable authentication method)", check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrAuth) {
					t.Errorf("want ErrAuth, got %#v", err)
				}
			}},
		{name: "bad version", host: "vpn.example.com", script: socksScript{version: 4}, wantErr: "is not a SOCKS5 proxy (it answered with version 4)"},
		{name: "ruleset", host: "vpn.example.com", script: socksScript{rep: 2}, wantErr: "refused to connect to vpn.example.com:443: connection not allowed by ruleset",
			check: func(t *testing.T, err error) {
				var re *RefusedError
				if !errors.As(err, &re) || re.Code != 2 {
					t.Errorf("want RefusedError 2, got %#v", err)
				}
			}},
		{name: "bad reply version", host: "vpn.example.com", script: socksScript{replyRaw: []byte{4, 0, 0, 1, 0, 0, 0, 0, 0, 0}}, wantErr: "bad SOCKS reply: version 4"},
		{name: "truncated reply", host: "vpn.example.com", script: socksScript{rep: 1, replyRaw: []byte{5, 0, 0}}, wantErr: "read the SOCKS reply"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			s := tt.script
			c := fake(t, s.serve)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := SOCKS5Connect(ctx, c, "socks:1080", tt.host, 443, tt.creds)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if err != nil {
				return
			}
			buf := make([]byte, 6)
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "TUNNEL" {
				t.Errorf("after CONNECT read %q, %v; want TUNNEL", buf, err)
			}
			c.Close()
			if tt.wantReq != nil && !bytes.Equal(s.gotReq, tt.wantReq) {
				t.Errorf("request % x, want % x", s.gotReq, tt.wantReq)
			}
			wantM := []byte{0}
			if tt.creds.Username != "" {
				wantM = []byte{0, 2}
			}
			if !bytes.Equal(s.gotMethods, wantM) {
				t.Errorf("methods % x, want % x", s.gotMethods, wantM)
			}
		})
	}
}

// TestNoGoroutineLeak: handshakes leave nothing running once done.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ {
		client, server := net.Pipe()
		go func() {
			readRequest(server)
			io.WriteString(server, "HTTP/1.0 200 OK\r\n\r\n")
			server.Close()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := HTTPConnect(ctx, client, "p:1", "h:2", HTTPOptions{}); err != nil {
			t.Fatal(err)
		}
		cancel()
		client.Close()
	}
	if n, stacks := testenv.GoroutinesLeft(before, 2*time.Second); n > before {
		t.Errorf("%d goroutines left running (%d before):\n%s", n, before, stacks)
	}
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.0 200 Connection established\r\n\r\n",
		"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\nProxy-Authenticate: NTLM, Negotiate\r\n\r\n",
		"HTTP/1.1 403\r\n\r\n",
		"HTTP/1.1 2x0 OK\n\n",
		"HTTP/",
		"SSH-2.0-x\r\n",
		"HTTP/1.1 200 OK\r\n" + strings.Repeat("a", 100),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		head, err := readHead(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(head) > MaxResponse || !bytes.HasPrefix(b, head) {
			t.Fatalf("head of %d bytes from %d", len(head), len(b))
		}
		r, err := parseResponse(head)
		if err != nil {
			return
		}
		if r.code < 100 || r.code > 599 || len(r.status) > 120 || len(r.schemes) > 16 {
			t.Fatalf("response %+v", r)
		}
		for _, c := range r.status + strings.Join(r.schemes, "") {
			if c < 0x20 || c > 0x7e {
				t.Fatalf("unsanitised %q", r.status)
			}
		}
	})
}

func FuzzSOCKSReply(f *testing.F) {
	for _, b := range [][]byte{
		{5, 0, 0, 1, 10, 0, 0, 1, 0, 80},
		{5, 0, 0, 3, 3, 'a', 'b', 'c', 0, 80},
		{5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80},
		{5, 2, 0, 0},
		{4, 0},
		{5, 0, 0, 9},
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		code, _, err := readSOCKSReply(r)
		if err != nil {
			return
		}
		used := len(b) - r.Len()
		if used < 4 || used > 4+1+255+2 {
			t.Fatalf("reply of %d bytes (code %d)", used, code)
		}
	})
}

// TestBasicEncoding pins the header against RFC 7617's example.
func TestBasicEncoding(t *testing.T) {
	req, err := connectRequest("h:1", HTTPOptions{Credentials: Credentials{"Aladdin", "open sesame"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("Aladdin:open sesame")); !strings.Contains(req, want) || !strings.Contains(req, "QWxhZGRpbjpvcGVuIHNlc2FtZQ==") {
		t.Errorf("request %q", req)
	}
}
