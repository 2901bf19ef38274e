package saml

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
)

// logBuffer collects Logf lines so tests can check that no secret leaks.
type logBuffer struct {
	t  testing.TB
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) logf(format string, args ...any) {
	l.t.Helper()
	l.t.Logf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(strings.TrimSpace(fmt.Sprintf(format, args...)) + "\n")
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func listen(t *testing.T) (*Listener, string, *logBuffer) {
	t.Helper()
	lb := &logBuffer{t: t}
	l, err := Listen(context.Background(), Options{Port: AnyPort, Logf: lb.logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, "http://" + l.Addr().String(), lb
}

// pending reports whether Wait would still block.
func pending(t *testing.T, l *Listener) bool {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := l.Wait(ctx)
	return errors.Is(err, context.Canceled)
}

type request struct {
	method, path, host, contentType, body string
}

func (r request) do(t *testing.T, c *http.Client, base string) (int, string) {
	t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, base+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.host != "" {
		req.Host = r.host
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	} else if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestListenerRefusals: requests that must not complete the sign-in, each
// on a fresh listener, which keeps waiting afterwards and still takes a
// good post.
func TestListenerRefusals(t *testing.T) {
	tests := []struct {
		name    string
		req     request
		status  int
		page    string // text the page must contain
		remains string // reason the timeout error must repeat, if any
	}{
		{"get shows waiting", request{method: "GET", path: "/"}, 200, "cvpn is waiting", ""},
		{"head", request{method: "HEAD", path: "/"}, 200, "", ""},
		{"wrong path", request{path: "/acs", body: formBody(FieldName, sampleAssertion)}, 404, "nothing here", ""},
		{"get wrong path", request{method: "GET", path: "/favicon.ico"}, 404, "", ""},
		{"put", request{method: "PUT", path: "/", body: formBody(FieldName, sampleAssertion)}, 405, "Only GET and POST", ""},
		{"rebinding host", request{path: "/", host: "evil.example:35001", body: formBody(FieldName, sampleAssertion)}, 403, "only from a browser on this computer", ""},
		{"no field", request{path: "/", body: formBody("RelayState", "x")}, 400, "no SAMLResponse form field", "no SAMLResponse form field"},
		{"empty field", request{path: "/", body: formBody(FieldName, "")}, 400, "is empty", "is empty"},
		{"not base64", request{path: "/", body: formBody(FieldName, "<Response/>")}, 400, "not base64", "not base64"},
		{"not a form", request{path: "/", contentType: "application/json", body: `{}`}, 415, "not a form", "not a form"},
		{"too large", request{path: "/", body: FieldName + "=" + strings.Repeat("A", MaxBody)}, 413, "larger than 4 MiB", "larger than 4 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, base, _ := listen(t)
			c := &http.Client{}
			defer c.CloseIdleConnections()
			status, page := tt.req.do(t, c, base)
			if status != tt.status {
				t.Fatalf("status %d, want %d; page:\n%s", status, tt.status, page)
			}
			if !strings.Contains(page, tt.page) {
				t.Fatalf("page lacks %q:\n%s", tt.page, page)
			}
			if !pending(t, l) {
				t.Fatal("the listener stopped waiting")
			}
			if tt.remains != "" {
				ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
				defer cancel()
				<-ctx.Done()
				_, err := l.Wait(ctx)
				if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), tt.remains) {
					t.Fatalf("timeout error %q does not wrap ErrTimeout or name %q", err, tt.remains)
				}
			}
			if status, page := (request{path: "/", body: formBody(FieldName, sampleAssertion)}).do(t, c, base); status != 200 {
				t.Fatalf("good post afterwards: %d\n%s", status, page)
			}
			if got, err := l.Wait(context.Background()); err != nil || got != sampleAssertion {
				t.Fatalf("Wait = %.20q, %v", got, err)
			}
		})
	}
}

// TestListenerSuccess: one post completes the sign-in with a page in both
// languages; a repost on the same connection gets 410, GET says it is
// done, and new connections are refused.
func TestListenerSuccess(t *testing.T) {
	l, base, logs := listen(t)
	c := &http.Client{}
	defer c.CloseIdleConnections()
	big := base64.StdEncoding.EncodeToString(bytes.Repeat(sampleXML, (800<<10)/len(sampleXML))) // > 1 MiB of base64
	status, page := request{path: "/", body: formBody("RelayState", "r", FieldName, big)}.do(t, c, base)
	if status != 200 || !strings.Contains(page, "Sign-in is complete") || !strings.Contains(page, "サインインが完了しました") {
		t.Fatalf("status %d, page:\n%s", status, page)
	}
	got, err := l.Wait(context.Background())
	if err != nil || got != big {
		t.Fatalf("Wait: err %v, same %v", err, got == big)
	}
	if again, err := l.Wait(context.Background()); err != nil || again != big {
		t.Fatalf("second Wait: err %v", err)
	}
	if status, page := (request{path: "/", body: formBody(FieldName, sampleAssertion)}).do(t, c, base); status != http.StatusGone {
		t.Fatalf("repost: status %d, want 410\n%s", status, page)
	}
	if status, page := (request{method: "GET", path: "/"}).do(t, c, base); status != 200 || !strings.Contains(page, "already complete") {
		t.Fatalf("get after: status %d\n%s", status, page)
	}
	if conn, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second); err == nil {
		conn.Close()
		t.Fatal("the listener still accepts connections after the sign-in")
	}
	if strings.Contains(logs.String(), sampleAssertion) {
		t.Fatal("the assertion was logged")
	}
}

// TestNotLoopback: the handler refuses peers that are not this computer.
// Real sockets on 127.0.0.1 cannot come from elsewhere, so call it directly.
func TestNotLoopback(t *testing.T) {
	l, _, _ := listen(t)
	for _, remote := range []string{"192.0.2.7:4000", "[2001:db8::1]:4000", "garbage", ""} {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:35001/", strings.NewReader(formBody(FieldName, sampleAssertion)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = remote
		w := httptest.NewRecorder()
		handler{l}.ServeHTTP(w, req)
		if w.Code != http.StatusForbidden {
			t.Errorf("from %q: status %d, want 403", remote, w.Code)
		}
	}
	for _, remote := range []string{"127.0.0.1:5000", "[::1]:5000", "[::ffff:127.0.0.1]:5000"} {
		req := httptest.NewRequest(http.MethodGet, "http://localhost:35001/", nil)
		req.RemoteAddr = remote
		w := httptest.NewRecorder()
		handler{l}.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Errorf("from %q: status %d, want 200", remote, w.Code)
		}
	}
	if !pending(t, l) {
		t.Fatal("a refused post completed the sign-in")
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1:35001": true, "localhost:35001": true, "LOCALHOST": true, "localhost.:1": true,
		"[::1]:35001": true, "127.0.0.1": true,
		"": false, "evil.example:35001": false, "10.0.0.1:35001": false, "127.0.0.1.nip.io:35001": false,
	} {
		if got := loopbackHost(host); got != want {
			t.Errorf("loopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}

// TestChunkedTooLarge: a body without Content-Length is cut at MaxBody too.
func TestChunkedTooLarge(t *testing.T) {
	l, base, _ := listen(t)
	body := io.MultiReader(strings.NewReader(FieldName+"="), io.LimitReader(&endless{}, MaxBody+1))
	req, err := http.NewRequest(http.MethodPost, base+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c := &http.Client{}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		// The server may close while the client still writes; that is a
		// refusal too, as long as the listener keeps waiting.
		t.Logf("post: %v", err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", resp.StatusCode)
		}
	}
	if !pending(t, l) {
		t.Fatal("the listener stopped waiting")
	}
}

func TestWaitEnds(t *testing.T) {
	t.Run("deadline", func(t *testing.T) {
		l, _, _ := listen(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := l.Wait(ctx)
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want ErrTimeout and DeadlineExceeded", err)
		}
		for _, s := range []string{"was not finished within", "connect again to start over"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%q lacks %q", err, s)
			}
		}
	})
	t.Run("cancel", func(t *testing.T) {
		l, _, _ := listen(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := l.Wait(ctx)
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want Canceled only", err)
		}
	})
	t.Run("close", func(t *testing.T) {
		l, _, _ := listen(t)
		errc := make(chan error, 1)
		go func() { _, err := l.Wait(context.Background()); errc <- err }()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; !errors.Is(err, ErrClosed) {
			t.Fatalf("err = %v, want ErrClosed", err)
		}
		if err := l.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
}

// TestPortInUse: a taken port is named with its holder, this test process.
func TestPortInUse(t *testing.T) {
	taken, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	l, err := Listen(context.Background(), Options{Port: port})
	if err == nil {
		l.Close()
		t.Fatal("Listen on a taken port succeeded")
	}
	if !errors.Is(err, ErrPortInUse) {
		t.Fatalf("err = %v, want ErrPortInUse", err)
	}
	var pe *PortInUseError
	if !errors.As(err, &pe) || pe.Port != port {
		t.Fatalf("err = %#v, want a PortInUseError for %d", err, port)
	}
	msg := err.Error()
	want := []string{"port " + strconv.Itoa(port) + " on 127.0.0.1 is in use by ", "close it and try again"}
	if runtime.GOOS == "linux" {
		comm, cerr := os.ReadFile("/proc/self/comm")
		if cerr != nil {
			t.Fatal(cerr)
		}
		want = append(want, strconv.Quote(strings.TrimSpace(string(comm)))+" (pid "+strconv.Itoa(os.Getpid())+")")
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("%q lacks %q", msg, w)
		}
	}
}

func TestDefaults(t *testing.T) {
	if got := (&Options{}).port(); got != DefaultPort || DefaultPort != 35001 {
		t.Errorf("default port %d", got)
	}
	if got := (&Options{Port: AnyPort}).port(); got != 0 {
		t.Errorf("AnyPort binds %d", got)
	}
	if got := (&Options{}).timeout(); got != 5*time.Minute {
		t.Errorf("default timeout %v", got)
	}
}

// TestNoGoroutineLeak: a finished sign-in and a closed listener leave
// nothing running.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 5; i++ {
		l, err := Listen(context.Background(), Options{Port: AnyPort})
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{}
		base := "http://" + l.Addr().String()
		if i%2 == 0 {
			request{path: "/", body: formBody(FieldName, sampleAssertion)}.do(t, c, base)
			if _, err := l.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		} else {
			request{method: "GET", path: "/"}.do(t, c, base)
		}
		c.CloseIdleConnections()
		l.Close()
	}
	if n, stacks := testenv.GoroutinesLeft(before, 5*time.Second); n > before {
		t.Errorf("%d goroutines left running (%d before):\n%s", n, before, stacks)
	}
}

// TestServerLimits: a stuck or hostile local client cannot hold the
// listener: every server timeout is set, and huge headers are refused.
func TestServerLimits(t *testing.T) {
	l, base, _ := listen(t)
	if l.srv.ReadHeaderTimeout <= 0 || l.srv.ReadTimeout <= 0 || l.srv.WriteTimeout <= 0 || l.srv.IdleTimeout <= 0 || l.srv.MaxHeaderBytes <= 0 {
		t.Fatalf("a server limit is unset: %+v", l.srv)
	}
	req, err := http.NewRequest(http.MethodGet, base+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Big", strings.Repeat("x", 2*maxHeaderBytes))
	c := &http.Client{}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
	if !pending(t, l) {
		t.Fatal("the listener stopped waiting")
	}
}

// TestMessages shows the messages a user reads, for review in -v output.
func TestMessages(t *testing.T) {
	taken, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, err = Listen(context.Background(), Options{Port: taken.Addr().(*net.TCPAddr).Port})
	t.Logf("busy port: %v", err)
	l, _, _ := listen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err = l.Wait(ctx)
	t.Logf("timeout: %v", err)
}
