//go:build linux

package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// OpenVPN is the stock openvpn binary the lab runs as server and client.
const OpenVPN = "/usr/sbin/openvpn"

// InitDone is the line openvpn logs once it is fully up: the server is
// listening, or the client has its tunnel, routes and addresses.
const InitDone = "Initialization Sequence Completed"

// stopGrace is how long Stop waits after SIGTERM before SIGKILL. openvpn exits
// within milliseconds unless it is sending an explicit exit notification.
const stopGrace = 5 * time.Second

// Process is a long-running command in a lab namespace whose output goes to a
// log file. Waiting for a log line is how the lab learns that openvpn is up:
// openvpn has no readiness protocol, and the line is stable across versions.
type Process struct {
	Name    string   // short name for messages, e.g. "server"
	NS      string   // network namespace it runs in
	LogPath string   // stdout and stderr, appended across restarts
	Argv    []string // the command inside the namespace

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	logFrom int64 // log offset where the current run starts
}

// StartProcess starts argv in namespace ns, appending its output to logPath.
// The process gets its own process group, so a terminal's Ctrl-C reaches the
// test or cvpn-lab, which then tears down in order, and it is killed by the
// kernel if the starting process dies first (Pdeathsig), so a SIGKILLed test
// binary leaves no openvpn behind.
func StartProcess(name, ns, logPath string, argv []string) (*Process, error) {
	p := &Process{Name: name, NS: ns, LogPath: logPath, Argv: argv}
	if err := p.start(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Process) start() error {
	f, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	defer f.Close() // the child holds its own descriptor
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	cmd := Command(context.Background(), p.NS, p.Argv[0], p.Argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done, p.waitErr, p.logFrom = cmd, done, nil, st.Size()
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// Pid is the process id of the current run (`ip netns exec` execs the
// command, so this is openvpn itself).
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd.Process.Pid
}

// Done is closed when the current run exits.
func (p *Process) Done() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// Err is the exit error of the current run, valid after Done is closed.
func (p *Process) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waitErr
}

// Signal sends sig to the current run, e.g. SIGUSR1 for an openvpn soft
// restart or SIGHUP for a hard one.
func (p *Process) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %s: %w", p.Name, err)
	}
	return nil
}

// Log returns the output of the current run.
func (p *Process) Log() string {
	p.mu.Lock()
	from := p.logFrom
	p.mu.Unlock()
	f, err := os.Open(p.LogPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// LogTail returns the last n lines of the current run's output, for error
// messages.
func (p *Process) LogTail(n int) string {
	lines := strings.Split(strings.TrimRight(p.Log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// WaitFor waits until the current run has logged a line containing substr.
// It fails early when the process exits, and on ctx's deadline; both errors
// end with the log tail, which is nearly always what explains the failure.
func (p *Process) WaitFor(ctx context.Context, substr string) error {
	return p.WaitForN(ctx, substr, 1)
}

// WaitForN is WaitFor for the n-th occurrence of substr, e.g. the second
// InitDone of a client that reconnected.
func (p *Process) WaitForN(ctx context.Context, substr string, n int) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	done := p.Done()
	seen := func() bool { return strings.Count(p.Log(), substr) >= n }
	for {
		if seen() {
			return nil
		}
		select {
		case <-done:
			if seen() {
				return nil
			}
			return fmt.Errorf("%s exited (%v) before logging %q (%d×); log tail:\n%s", p.Name, p.Err(), substr, n, p.LogTail(30))
		case <-ctx.Done():
			return fmt.Errorf("%s: waiting for %q (%d×): %w; log tail:\n%s", p.Name, substr, n, ctx.Err(), p.LogTail(30))
		case <-tick.C:
		}
	}
}

// Stop ends the current run: SIGTERM, so openvpn can say goodbye (explicit
// exit notify), then SIGKILL after a grace period. Stopping a process that
// already exited is not an error; an exit status caused by Stop's own signal
// is not reported either.
func (p *Process) Stop() error {
	return p.stop(stopGrace)
}

func (p *Process) stop(grace time.Duration) error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	select {
	case <-done:
		return nil
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
	var ee *exec.ExitError
	if err := p.Err(); err != nil && !errors.As(err, &ee) {
		return fmt.Errorf("stop %s: %w", p.Name, err)
	}
	return nil
}

// Restart stops the current run and starts the same command again, then
// waits for InitDone. The log file keeps both runs; Log and WaitFor only see
// the new one.
func (p *Process) Restart(ctx context.Context) error {
	if err := p.Stop(); err != nil {
		return err
	}
	if err := p.start(); err != nil {
		return err
	}
	if err := p.WaitFor(ctx, InitDone); err != nil {
		return fmt.Errorf("restart %s: %w", p.Name, err)
	}
	return nil
}

// genKey runs `openvpn ARGS...` to produce a key file. Key generation touches
// no network, so it runs in the current namespace.
func genKey(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, OpenVPN, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("openvpn %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}
