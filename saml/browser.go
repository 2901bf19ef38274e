package saml

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/pkg/browser"
)

// BrowserEnv names the environment variable with a browser command line,
// used when Options.Browser is empty.
const BrowserEnv = "CVPN_BROWSER"

// startGrace is how long OpenBrowser waits for a browser command that fails
// at once (a wrapper that exits non-zero), before taking silence for
// success. A browser that stays open is left running.
var startGrace = 2 * time.Second

// openDefault opens the system's default browser; tests replace it.
var openDefault = browser.OpenURL

// CheckURL reports whether u is a page cvpn opens: an absolute http or
// https URL with a host and nothing that is not a URL character. A hostile
// server chooses the challenge text, so anything else (file:, a command,
// javascript:) is refused. Use it also to tell a CRV1 challenge that is a
// page to open from one that is a question to answer.
func CheckURL(u string) error {
	if u == "" {
		return fmt.Errorf("%w: it is empty", ErrBadURL)
	}
	for _, r := range u {
		if r > unicode.MaxASCII || unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("%w: it contains spaces, control or non-ASCII characters", ErrBadURL)
		}
	}
	p, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
	default:
		return fmt.Errorf("%w: only http and https pages are opened, not %q", ErrBadURL, truncate(p.Scheme, 20))
	}
	if p.Host == "" || p.Opaque != "" {
		return fmt.Errorf("%w: it has no host", ErrBadURL)
	}
	return nil
}

// OpenBrowser opens u, which must pass CheckURL, in the user's browser:
// with o.Browser, else $CVPN_BROWSER (a command line split on spaces, the
// URL appended as its last argument), else the system's default browser.
// It waits only briefly for the browser command: a command that cannot
// start, or exits with an error at once, is reported; one that keeps
// running is left to run. When no browser can be opened the error wraps
// ErrNoBrowser and tells the user to open the URL by hand; the caller
// decides whether to keep waiting.
func OpenBrowser(u string, o Options) error {
	if err := CheckURL(u); err != nil {
		return err
	}
	line, from := o.Browser, "the browser setting"
	if strings.TrimSpace(line) == "" {
		line, from = os.Getenv(BrowserEnv), BrowserEnv
	}
	if args := strings.Fields(line); len(args) > 0 {
		o.logf("saml: opening the sign-in page with %s (%s)", args[0], from)
		if err := runBrowser(args, u, &o); err != nil {
			return noBrowser(fmt.Sprintf("%s from %s", args[0], from), err, u)
		}
		return nil
	}
	if reason := noDesktop(); reason != "" {
		return noBrowser("the default browser", errors.New(reason), u)
	}
	if asUser() {
		// pkg/browser would run xdg-open as root; runBrowser drops to
		// the user sudo ran cvpn for.
		o.logf("saml: opening the sign-in page in the default browser (xdg-open, as the invoking user)")
		if err := runBrowser([]string{"xdg-open"}, u, &o); err != nil {
			return noBrowser("the default browser (xdg-open)", err, u)
		}
		return nil
	}
	o.logf("saml: opening the sign-in page in the default browser")
	errc := make(chan error, 1)
	go func() { errc <- openDefault(u) }()
	t := time.NewTimer(startGrace)
	defer t.Stop()
	select {
	case err := <-errc:
		if err != nil {
			return noBrowser("the default browser", err, u)
		}
	case <-t.C:
		// xdg-open and friends normally return at once; one that blocks
		// has most likely started a browser in the foreground.
	}
	return nil
}

func noBrowser(what string, err error, u string) error {
	return &browserError{what: what, cause: err, url: u}
}

// browserError wraps ErrNoBrowser and the cause, and gives the URL to open
// by hand.
type browserError struct {
	what  string // which browser, and where its command line came from
	cause error
	url   string
}

func (e *browserError) Error() string {
	return fmt.Sprintf("no browser could be opened with %s (%v): open this address in a browser on this computer (the sign-in posts back to 127.0.0.1): %s",
		e.what, e.cause, e.url)
}

func (e *browserError) Unwrap() []error { return []error{ErrNoBrowser, e.cause} }

// noDesktop says why no graphical browser can open here, or "".
func noDesktop() string {
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "android":
		return ""
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return "no graphical session: DISPLAY and WAYLAND_DISPLAY are unset; set " + BrowserEnv + " to a browser command to use one anyway"
	}
	return ""
}

// runBrowser starts args+u and waits startGrace for an early failure. The
// command is reaped in the background whenever it exits.
func runBrowser(args []string, u string, o *Options) error {
	cmd := exec.Command(args[0], append(args[1:], u)...)
	stderr := &tailBuffer{max: 512}
	cmd.Stderr = stderr
	// Its own process group: a Ctrl-C meant for cvpn must not close the
	// browser the user is signing in with.
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- cmd.Wait() }()
	t := time.NewTimer(startGrace)
	defer t.Stop()
	select {
	case err := <-errc:
		if err != nil {
			if msg := strings.TrimSpace(stderr.String()); msg != "" {
				return fmt.Errorf("%w: %s", err, truncate(lastLine(msg), 200))
			}
			return err
		}
	case <-t.C:
		go func() {
			if err := <-errc; err != nil {
				o.logf("saml: browser command %s ended: %v", args[0], err)
			}
		}()
	}
	return nil
}

// tailBuffer keeps the last max bytes written.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.ToValidUTF8(t.b, []byte("?")))
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
