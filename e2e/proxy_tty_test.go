//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// TestCvpnProxyAsksOnTerminal: a profile that says `http-proxy … auto`
// without credentials meets a proxy that wants them. cvpn gets the 407,
// asks on its terminal (the Prompter's PromptProxyAuth), retries with the
// answer, and the tunnel comes up through the proxy.
func TestCvpnProxyAsksOnTerminal(t *testing.T) {
	lab.Require(t, "ping", lab.Tinyproxy, "script")
	t.Parallel()
	const user, pass = "ttyuser", "tty-proxy-pw-81"
	l := lab.NewT(t, lab.Options{NoStart: true, Server: lab.ServerOptions{Proto: lab.TCP, Extra: lab.HiddenServerExtra(lab.TCP)}})
	ctx := t.Context()
	if err := l.AddServerAddress(ctx, lab.HiddenServerIP); err != nil {
		t.Fatal(err)
	}
	if err := l.StartServer(ctx); err != nil {
		t.Fatal(err)
	}
	px, paddr, err := l.StartHTTPProxy(ctx, lab.HTTPProxyOptions{Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	base, err := l.ClientProfile(lab.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	linkRemote := fmt.Sprintf("remote %s %d tcp\n", l.ServerLinkIP, l.Opts.Server.Port)
	if !strings.Contains(base, linkRemote) {
		t.Fatalf("profile lacks %q", linkRemote)
	}
	text := strings.Replace(base, linkRemote, fmt.Sprintf("remote %s %d tcp\n", lab.HiddenServerIP, l.Opts.Server.Port), 1) +
		fmt.Sprintf("http-proxy %s %d auto\n", paddr.Addr(), paddr.Port())
	profile := filepath.Join(l.Dir, "proxy-ask.ovpn")
	if err := os.WriteFile(profile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}

	c := startCvpnOnTerminal(t, l, profile)
	// Typed ahead, the terminal would echo the password before cvpn turns
	// echo off; a user types it when asked.
	c.Type(t, user+"\n")
	c.WaitOutput(t, "Password for proxy ", 30*time.Second)
	c.Type(t, pass+"\n")
	c.WaitOutput(t, "connected ", 30*time.Second)
	assertTunnel(t, l)
	term := c.Output()
	if want := fmt.Sprintf("Username for proxy %s: ", paddr); !strings.Contains(term, want) {
		t.Errorf("terminal lacks the prompt %q", want)
	}
	// Only the prompt's own line may hold it (the terminal echoes what is
	// typed in the instant before cvpn turns echo off); never a log line.
	_, after, _ := strings.Cut(term, "Password for proxy ")
	if _, logs, _ := strings.Cut(after, "\n"); strings.Contains(logs, pass) {
		t.Error("the proxy password was logged")
	}
	// The first CONNECT carried no credentials (407), the second the answer.
	if n := strings.Count(px.Log(), "]: Request (file descriptor"); n != 2 {
		t.Errorf("tinyproxy saw %d requests, want 2", n)
	}
}
