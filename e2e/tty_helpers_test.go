//go:build linux

package e2e

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// ttyCvpn is "cvpn connect --foreground" running on a terminal (script(1)
// gives it one) in the lab's client namespace, so its terminal prompter
// asks, as it would for a person.
type ttyCvpn struct {
	out    lockedBuffer
	stdin  io.WriteCloser // kept open: an end of input would reach cvpn
	exited chan struct{}
}

// startCvpnOnTerminal starts cvpn with profile on a terminal. The test's
// cleanup stops it and, if the test failed, logs what the terminal showed.
func startCvpnOnTerminal(t *testing.T, l *lab.Lab, profile string) *ttyCvpn {
	t.Helper()
	lab.Require(t, "script")
	ctx, cancel := context.WithCancel(t.Context())
	line := strings.Join([]string{cvpnBinary(t), "connect", "--foreground", "--state-dir", filepath.Join(l.Dir, "state"),
		"--dev", lab.TunDev, "--verbose", profile}, " ")
	cmd := lab.Command(ctx, l.ClientNS, "script", "-q", "-e", "-c", line, "/dev/null")
	c := &ttyCvpn{exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &c.out, &c.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	c.stdin = stdin
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(15 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-c.exited
		}
		stdin.Close()
		cancel()
		if t.Failed() {
			t.Logf("cvpn terminal:\n%s", c.out.String())
		}
	})
	return c
}

// Type sends text to cvpn's terminal.
func (c *ttyCvpn) Type(t *testing.T, text string) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, text); err != nil {
		t.Fatal(err)
	}
}

// Output is what the terminal showed so far.
func (c *ttyCvpn) Output() string { return c.out.String() }

// WaitOutput waits until the terminal shows want, failing the test if cvpn
// exits first or within passes.
func (c *ttyCvpn) WaitOutput(t *testing.T, want string, within time.Duration) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(c.Output(), want) {
		select {
		case <-c.exited:
			// Its last words may have arrived with the exit.
			if strings.Contains(c.Output(), want) {
				return
			}
			t.Fatalf("cvpn exited before %q", want)
		case <-deadline.C:
			t.Fatalf("no %q within %v", want, within)
		case <-tick.C:
		}
	}
}

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
