package saml

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// playBrowser makes SignIn's default opener a browser that posts body to
// the listener SignIn bound (or does nothing when body is "", or fails
// with openErr), and returns what it saw.
type playBrowser struct {
	mu      sync.Mutex
	addr    net.Addr
	opened  []string
	status  int
	done    chan struct{}
	body    string
	openErr error
}

func (p *playBrowser) install(t *testing.T) {
	t.Helper()
	t.Setenv(BrowserEnv, "")
	t.Setenv("DISPLAY", ":0")
	p.done = make(chan struct{})
	savedOpen, savedHook := openDefault, testHookListening
	t.Cleanup(func() { openDefault, testHookListening = savedOpen, savedHook })
	testHookListening = func(a net.Addr) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.addr = a
	}
	openDefault = func(u string) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.opened = append(p.opened, u)
		if p.openErr != nil || p.body == "" {
			close(p.done)
			return p.openErr
		}
		addr := p.addr.String()
		go func() { // a browser posts on its own time
			defer close(p.done)
			resp, err := http.Post("http://"+addr+"/", "application/x-www-form-urlencoded", strings.NewReader(p.body))
			if err != nil {
				t.Errorf("post: %v", err)
				return
			}
			resp.Body.Close()
			p.mu.Lock()
			p.status = resp.StatusCode
			p.mu.Unlock()
		}()
		return nil
	}
}

func TestSignIn(t *testing.T) {
	p := &playBrowser{body: url.Values{FieldName: {sampleAssertion}, "RelayState": {"r"}}.Encode()}
	p.install(t)
	lb := &logBuffer{t: t}
	var shown []string
	got, err := SignIn(context.Background(), idpURL, Options{
		Port:  AnyPort,
		Logf:  lb.logf,
		OnURL: func(u string) { shown = append(shown, u) },
	})
	if err != nil {
		t.Fatal(err)
	}
	<-p.done
	if got != sampleAssertion {
		t.Fatalf("got %.20q…", got)
	}
	if len(shown) != 1 || shown[0] != idpURL || len(p.opened) != 1 || p.opened[0] != idpURL || p.status != 200 {
		t.Fatalf("shown %q, opened %q, status %d", shown, p.opened, p.status)
	}
	if strings.Contains(lb.String(), sampleAssertion) {
		t.Fatal("the assertion was logged")
	}
	// SignIn closed its listener.
	if c, err := net.DialTimeout("tcp", p.addr.String(), 5*time.Second); err == nil {
		c.Close()
		t.Fatal("still listening after SignIn")
	}
}

// TestSignInNoBrowser: a browser that cannot open is not fatal (the user
// may open the URL by hand) but the timeout says so.
func TestSignInNoBrowser(t *testing.T) {
	p := &playBrowser{openErr: errors.New("xdg-open: exit status 3")}
	p.install(t)
	var shown string
	_, err := SignIn(context.Background(), idpURL, Options{Port: AnyPort, Timeout: 50 * time.Millisecond, Logf: t.Logf, OnURL: func(u string) { shown = u }})
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	for _, s := range []string{"not finished within 0s", "connect again", "no browser opened", "xdg-open"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q lacks %q", err, s)
		}
	}
	if shown != idpURL {
		t.Errorf("OnURL got %q", shown)
	}
}

// TestSignInTimeout: the browser opened but nothing came back.
func TestSignInTimeout(t *testing.T) {
	p := &playBrowser{}
	p.install(t)
	_, err := SignIn(context.Background(), idpURL, Options{Port: AnyPort, Timeout: 1100 * time.Millisecond})
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "not finished within 1s; connect again to start over") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "no browser opened") {
		t.Fatalf("err = %v blames the browser", err)
	}
}

// TestSignInRefusesURL: a hostile URL is refused before anything listens
// or runs.
func TestSignInRefusesURL(t *testing.T) {
	p := &playBrowser{body: "x"}
	p.install(t)
	called := false
	testHookListening = func(net.Addr) { called = true }
	_, err := SignIn(context.Background(), "file:///etc/passwd", Options{Port: AnyPort, OnURL: func(string) { called = true }})
	if !errors.Is(err, ErrBadURL) || called || len(p.opened) != 0 {
		t.Fatalf("err = %v, listened or opened: %v %d", err, called, len(p.opened))
	}
}

// TestSignInCanceled: the caller's cancel ends the wait without ErrTimeout.
func TestSignInCanceled(t *testing.T) {
	p := &playBrowser{}
	p.install(t)
	ctx, cancel := context.WithCancel(context.Background())
	opened := openDefault
	openDefault = func(u string) error { err := opened(u); cancel(); return err }
	_, err := SignIn(ctx, idpURL, Options{Port: AnyPort})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
}
