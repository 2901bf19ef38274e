//go:build linux

package e2e

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// lockedBuffer is a bytes.Buffer a process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestCvpnForegroundKeyPassphrase runs "cvpn connect --foreground" on a
// terminal with a passphrase-protected key: the terminal prompter asks,
// asks again after a wrong passphrase, and the renegotiations that follow
// reuse the opened key without asking.
func TestCvpnForegroundKeyPassphrase(t *testing.T) {
	const passphrase = "fg-Key-Passphrase-3"
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("no script(1) to give cvpn a terminal")
	}
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{KeepaliveInterval: 2}})
	profile := filepath.Join(l.Dir, "pp.ovpn")
	if err := l.WriteClientProfile(profile, lab.ProfileOptions{KeyPassphrase: passphrase, Extra: []string{"reneg-sec 5"}}); err != nil {
		t.Fatal(err)
	}
	bin := cvpnBinary(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	line := strings.Join([]string{bin, "connect", "--foreground", "--state-dir", filepath.Join(l.Dir, "state"), "--dev", lab.TunDev, "--verbose", profile}, " ")
	cmd := lab.Command(ctx, l.ClientNS, "script", "-q", "-e", "-c", line, "/dev/null")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe() // open until the end: EOF would reach cvpn
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		stdin.Close()
		if t.Failed() {
			t.Logf("cvpn terminal:\n%s", out.String())
		}
	}()
	if _, err := io.WriteString(stdin, "not-it\n"+passphrase+"\n"); err != nil {
		t.Fatal(err)
	}
	waitOutput := func(want string, within time.Duration) {
		t.Helper()
		deadline := time.NewTimer(within)
		defer deadline.Stop()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for !strings.Contains(out.String(), want) {
			select {
			case <-exited:
				t.Fatalf("cvpn exited before %q", want)
			case <-deadline.C:
				t.Fatalf("no %q within %v", want, within)
			case <-tick.C:
			}
		}
	}
	waitOutput("connected ", 30*time.Second)
	transfer(t, l, l.ServerTunIP, 1<<20, 0)
	waitOutput("renegotiating: key 2", 30*time.Second)
	waitOutput("key 2 active", 30*time.Second)
	text := out.String()
	if n := strings.Count(text, "Passphrase for the private key of pp: "); n != 2 {
		t.Errorf("asked %d times, want 2 (a wrong one, the right one, none on renegotiating)", n)
	}
	if !strings.Contains(text, "The passphrase was wrong") {
		t.Error("the terminal did not say the first passphrase was wrong")
	}
	transfer(t, l, l.ServerTunIP, 1<<20, 0)
}
