package saml

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultPort is where AWS Client VPN's identity provider configuration
// sends the SAML response (ACS http://127.0.0.1:35001).
const DefaultPort = 35001

// AnyPort in Options.Port binds an ephemeral port (tests, other services
// whose provider is configured for a port learned from Listener.Addr).
const AnyPort = -1

// DefaultTimeout is how long SignIn waits for the browser by default.
const DefaultTimeout = 5 * time.Minute

// Server limits: the peer is a local browser, so these only stop a stuck or
// hostile local client from holding the listener.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 64 << 10
	closeGrace        = 2 * time.Second
)

// Errors callers decide on.
var (
	// ErrTimeout: the browser did not deliver a SAML response in time.
	ErrTimeout = errors.New("sign-in timed out")
	// ErrClosed: the Listener was closed before a response arrived.
	ErrClosed = errors.New("sign-in listener closed")
	// ErrPortInUse: another program listens on the sign-in port; see
	// PortInUseError.
	ErrPortInUse = errors.New("sign-in port in use")
	// ErrNoBrowser: no browser could be started; the user can open the
	// URL by hand.
	ErrNoBrowser = errors.New("no browser could be opened")
	// ErrBadURL: the URL is not one cvpn opens (only http and https).
	ErrBadURL = errors.New("refused to open the sign-in URL")
)

// Options configure a browser sign-in. The zero value is AWS's setup.
type Options struct {
	// Port to listen on at 127.0.0.1: 0 means DefaultPort, AnyPort an
	// ephemeral one.
	Port int
	// Browser is a command line (split on spaces) to open the URL with,
	// from a setting; the URL is appended as its last argument. Empty
	// means the CVPN_BROWSER environment variable, then the system's
	// default browser.
	Browser string
	// Timeout bounds SignIn's wait for the browser; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// Logf receives progress lines; nil discards them. The assertion is
	// never logged.
	Logf func(format string, args ...any)
	// OnURL, if set, is called by SignIn with the URL just before the
	// browser is opened, so a CLI can print "If no browser opened, visit:
	// URL".
	OnURL func(url string)
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

func (o *Options) port() int {
	switch {
	case o.Port == 0:
		return DefaultPort
	case o.Port < 0:
		return 0
	}
	return o.Port
}

func (o *Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

// Listener receives one SAML response on 127.0.0.1. It stops accepting
// connections once a usable response arrived; a browser that posts again
// on a kept-alive connection gets 410 Gone until Close.
type Listener struct {
	ln      net.Listener
	srv     *http.Server
	opts    Options
	started time.Time

	got       chan struct{} // closed when assertion is set
	closed    chan struct{} // closed by Close
	serveDone chan struct{} // closed when Serve returned

	mu        sync.Mutex
	assertion string
	done      bool
	refused   error // why the last post was refused, for the timeout message
	serveErr  error
	closeOnce sync.Once
}

// Listen binds 127.0.0.1:<port> and starts answering. Bind before opening
// the browser, so the identity provider's post cannot arrive first.
func Listen(ctx context.Context, o Options) (*Listener, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(o.port()))
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp4", addr)
	if err != nil {
		return nil, bindError(o.port(), err)
	}
	l := &Listener{
		ln:        ln,
		opts:      o,
		started:   time.Now(),
		got:       make(chan struct{}),
		closed:    make(chan struct{}),
		serveDone: make(chan struct{}),
	}
	l.srv = &http.Server{
		Handler:           handler{l},
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(logWriter{&l.opts}, "saml: http: ", 0),
	}
	go l.serve()
	o.logf("saml: waiting for the sign-in response on http://%s/", ln.Addr())
	return l, nil
}

func (l *Listener) serve() {
	defer close(l.serveDone)
	err := l.srv.Serve(l.ln)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done && !errors.Is(err, http.ErrServerClosed) {
		select {
		case <-l.closed:
		default:
			l.serveErr = err
		}
	}
}

// Addr is the bound address, e.g. 127.0.0.1:35001.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Wait returns the SAML response (padded standard base64) once the browser
// posted it. When ctx ends first it returns an error wrapping ctx.Err() and,
// for a deadline, ErrTimeout, with advice for the user; after Close, one
// wrapping ErrClosed.
func (l *Listener) Wait(ctx context.Context) (string, error) {
	select {
	case <-l.got: // an assertion in hand beats an ended context
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.assertion, nil
	default:
	}
	serveDone := l.serveDone
	for {
		select {
		case <-l.got:
			l.mu.Lock()
			defer l.mu.Unlock()
			return l.assertion, nil
		case <-serveDone:
			// Serve also returns after a success closed the listener;
			// only a failure of its own ends the wait.
			serveDone = nil
			l.mu.Lock()
			err := l.serveErr
			l.mu.Unlock()
			if err != nil {
				return "", fmt.Errorf("wait for the sign-in response: listener stopped: %w", err)
			}
		case <-l.closed:
			l.mu.Lock()
			done := l.done
			l.mu.Unlock()
			if done {
				// The page is being written; got closes when the
				// handler returns, which Close makes quick.
				<-l.got
				continue
			}
			return "", fmt.Errorf("wait for the sign-in response: %w", ErrClosed)
		case <-ctx.Done():
			return "", l.ctxError(ctx)
		}
	}
}

// ctxError explains why the wait ended, with the last refused post if any.
func (l *Listener) ctxError(ctx context.Context) error {
	l.mu.Lock()
	refused := l.refused
	l.mu.Unlock()
	var notes []string
	if refused != nil {
		notes = append(notes, fmt.Sprintf("the browser did post to %s, but cvpn refused it: %v", l.ln.Addr(), refused))
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		waited := time.Since(l.started)
		if d, ok := ctx.Deadline(); ok {
			waited = d.Sub(l.started)
		}
		return &timeoutError{waited: waited.Round(time.Second), notes: notes, err: ctx.Err()}
	}
	msg := "sign-in stopped before the browser finished"
	if len(notes) > 0 {
		msg += " (" + strings.Join(notes, "; ") + ")"
	}
	return fmt.Errorf("%s: %w", msg, ctx.Err())
}

// timeoutError is ErrTimeout with advice, and the context's error.
type timeoutError struct {
	waited time.Duration
	notes  []string // what may have gone wrong, for the user
	err    error
}

func (e *timeoutError) Error() string {
	s := fmt.Sprintf("the sign-in in the browser was not finished within %v", e.waited)
	if len(e.notes) > 0 {
		s += " (" + strings.Join(e.notes, "; ") + ")"
	}
	return s + "; connect again to start over"
}

func (e *timeoutError) Unwrap() []error { return []error{ErrTimeout, e.err} }

// Close stops listening and closes the connections, letting a page being
// written finish for up to closeGrace. It is safe to call more than once
// and concurrently with Wait.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		close(l.closed)
		ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
		defer cancel()
		if l.srv.Shutdown(ctx) != nil {
			// The listener may already be closed (after a success);
			// whatever is left is cut off.
			_ = l.srv.Close()
		}
		<-l.serveDone
	})
	return nil
}

// handler answers the browser for a Listener.
type handler struct{ l *Listener }

// ServeHTTP applies the rules, in order: loopback peers only (403), a Host
// of 127.0.0.1 or localhost only (403, DNS rebinding), the path "/" only
// (404), GET/HEAD show a waiting page, POST takes the SAMLResponse once
// (410 after; a refused post leaves the listener waiting), anything else
// 405.
func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l := h.l
	if !loopbackPeer(r.RemoteAddr) {
		l.opts.logf("saml: refused a request from %s: not this computer", r.RemoteAddr)
		writePage(w, http.StatusForbidden, pageForbidden)
		return
	}
	if !loopbackHost(r.Host) {
		l.opts.logf("saml: refused a request for host %q: not 127.0.0.1 or localhost", r.Host)
		writePage(w, http.StatusForbidden, pageForbidden)
		return
	}
	if r.URL.Path != "/" {
		writePage(w, http.StatusNotFound, pageNotFound)
		return
	}
	l.mu.Lock()
	done := l.done
	l.mu.Unlock()
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if done {
			writePage(w, http.StatusOK, pageAlreadyDone)
			return
		}
		writePage(w, http.StatusOK, pageWaiting)
	case http.MethodPost:
		if done {
			writePage(w, http.StatusGone, pageAlreadyDone)
			return
		}
		l.post(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		writePage(w, http.StatusMethodNotAllowed, pageMethod)
	}
}

func (l *Listener) post(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > MaxBody {
		l.refuse(w, http.StatusRequestEntityTooLarge, errTooLarge)
		return
	}
	a, err := assertionFromBody(r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		status := http.StatusBadRequest
		switch {
		case errors.Is(err, errTooLarge):
			status = http.StatusRequestEntityTooLarge
		case errors.Is(err, errContentType):
			status = http.StatusUnsupportedMediaType
		}
		l.refuse(w, status, err)
		return
	}
	l.mu.Lock()
	if l.done { // another post won the race
		l.mu.Unlock()
		writePage(w, http.StatusGone, pageAlreadyDone)
		return
	}
	l.done = true
	l.assertion = a
	l.refused = nil
	l.mu.Unlock()
	// Wait returns once the page is on its way, so the caller's Close
	// cannot cut it off.
	defer close(l.got)
	// Stop taking new connections; this one finishes its answer.
	_ = l.ln.Close()
	l.opts.logf("saml: received the sign-in response (%d bytes)", len(a))
	writePage(w, http.StatusOK, pageDone)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// refuse answers a post that carried no usable response and remembers why;
// the listener keeps waiting, since the provider or the user may retry.
func (l *Listener) refuse(w http.ResponseWriter, status int, err error) {
	l.mu.Lock()
	l.refused = err
	l.mu.Unlock()
	l.opts.logf("saml: refused a post (%d): %v; still waiting", status, err)
	p := pageRefused
	p.Detail = "Problem: " + err.Error() + "."
	if status == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close")
	}
	writePage(w, status, p)
}

// logWriter carries net/http's own complaints (bad requests, accept
// errors) to Logf; they never hold a request body.
type logWriter struct{ o *Options }

func (w logWriter) Write(p []byte) (int, error) {
	w.o.logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func loopbackPeer(remote string) bool {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	return ap.Addr().Unmap().IsLoopback()
}

func loopbackHost(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil && a.Unmap().IsLoopback()
}
