//go:build linux

package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// TestCvpnForegroundKeyPassphrase runs "cvpn connect --foreground" on a
// terminal with a passphrase-protected key: the terminal prompter asks,
// asks again after a wrong passphrase, and the renegotiations that follow
// reuse the opened key without asking.
func TestCvpnForegroundKeyPassphrase(t *testing.T) {
	const passphrase = "fg-Key-Passphrase-3"
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{KeepaliveInterval: 2}})
	profile := filepath.Join(l.Dir, "pp.ovpn")
	if err := l.WriteClientProfile(profile, lab.ProfileOptions{KeyPassphrase: passphrase, Extra: []string{"reneg-sec 5"}}); err != nil {
		t.Fatal(err)
	}
	c := startCvpnOnTerminal(t, l, profile)
	c.Type(t, "not-it\n"+passphrase+"\n")
	c.WaitOutput(t, "connected ", 30*time.Second)
	transfer(t, l, l.ServerTunIP, 1<<20, 0)
	c.WaitOutput(t, "renegotiating: key 2", 30*time.Second)
	c.WaitOutput(t, "key 2 active", 30*time.Second)
	text := c.Output()
	if n := strings.Count(text, "Passphrase for the private key of pp: "); n != 2 {
		t.Errorf("asked %d times, want 2 (a wrong one, the right one, none on renegotiating)", n)
	}
	if !strings.Contains(text, "The passphrase was wrong") {
		t.Error("the terminal did not say the first passphrase was wrong")
	}
	transfer(t, l, l.ServerTunIP, 1<<20, 0)
}
