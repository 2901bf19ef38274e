// Command browser-login is the user's browser in cvpn's SAML end-to-end
// tests: the command a test names in CVPN_BROWSER. It gets the sign-in URL
// as its last argument and drives headless Debian Chromium
// (github.com/chromedp/chromedp) through it: it opens the URL, fills the
// test IdP's login form, submits it, lets the IdP's auto-posting form carry
// the SAMLResponse to the local ACS (http://127.0.0.1:35001/), and exits 0
// once the page says the sign-in is complete.
//
// The credentials come from the environment (CVPN_TEST_IDP_USER,
// CVPN_TEST_IDP_PASSWORD), because cvpn passes nothing but the URL.
//
//	browser-login [-chromium PATH] [-timeout 60s] [-done TEXT] URL
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Environment variables carrying the IdP credentials.
const (
	UserEnv     = "CVPN_TEST_IDP_USER"
	PasswordEnv = "CVPN_TEST_IDP_PASSWORD"
)

func main() {
	chromium := flag.String("chromium", "", "the Chromium binary (default: chromium, then chromium-browser, from PATH)")
	timeout := flag.Duration("timeout", 60*time.Second, "give up after this long")
	done := flag.String("done", "Sign-in is complete", "text of the page that ends the sign-in")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: browser-login [flags] URL")
		os.Exit(2)
	}
	u := flag.Arg(flag.NArg() - 1)
	if err := run(u, *chromium, os.Getenv(UserEnv), os.Getenv(PasswordEnv), *done, *timeout); err != nil {
		fmt.Fprintf(os.Stderr, "browser-login: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("browser-login: sign-in complete")
}

func run(u, chromium, user, pass, done string, timeout time.Duration) error {
	if user == "" || pass == "" {
		return fmt.Errorf("set %s and %s", UserEnv, PasswordEnv)
	}
	bin, err := findChromium(chromium)
	if err != nil {
		return err
	}
	profileDir, err := os.MkdirTemp("", "browser-login-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profileDir)

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// The flags the machine notes give for headless Chromium as root.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profileDir),
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(logf))
	defer bcancel()

	step := func(what string, actions ...chromedp.Action[chromedp.Void]) error {
		logf("%s", what)
		if err := chromedp.Do(bctx, actions...); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if err := step("open "+redact(u), chromedp.Navigate(u)); err != nil {
		return err
	}
	if err := step("fill the login form",
		chromedp.WaitVisible(chromedp.CSS(`input[name="user"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="user"]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), pass),
		chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
	); err != nil {
		return err
	}
	// The IdP answers with a form that posts itself to the ACS; wait for
	// the ACS's page.
	for {
		loc, _ := chromedp.Run(bctx, chromedp.Location())
		text, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err == nil && strings.Contains(strings.ToLower(text), strings.ToLower(done)) {
			logf("done at %s", redact(loc))
			return nil
		}
		if err == nil && strings.Contains(text, "Invalid username or password") {
			return errors.New("the IdP refused the credentials")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no %q page within %v (last at %s: %.300q)", done, timeout, redact(loc), text)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// findChromium picks the browser binary.
func findChromium(name string) (string, error) {
	if name != "" {
		return name, nil
	}
	for _, n := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium in PATH (apt-get install chromium)")
}

// redact keeps a URL's query (a SAMLRequest, long and of no use in a log)
// out of the log.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "browser-login: "+format+"\n", args...)
}
