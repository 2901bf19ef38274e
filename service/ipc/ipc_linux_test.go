package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
)

// childEnv marks a re-executed test binary that should dial the socket named
// by its value and hold the connection until the server hangs up.
const childEnv = "CVPN_IPC_TEST_DIAL"

func TestMain(m *testing.M) {
	if addr := os.Getenv(childEnv); addr != "" {
		os.Exit(dialAndWait(addr))
	}
	os.Exit(m.Run())
}

func dialAndWait(addr string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	defer c.Close()
	_, _ = io.Copy(io.Discard, c) // until the server closes
	return 0
}

func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	l, err := Listen(addr)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// accept returns the next connection from l, or fails after a timeout.
func accept(t *testing.T, l net.Listener) net.Conn {
	t.Helper()
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := l.Accept()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("Accept: %v", r.err)
		}
		t.Cleanup(func() { r.c.Close() })
		return r.c
	case <-time.After(10 * time.Second):
		l.Close() // unblocks the goroutine
		t.Fatal("Accept: timed out")
		return nil
	}
}

func TestListenDialPeer(t *testing.T) {
	dir := testenv.WorldDir(t)
	addr := filepath.Join(dir, "run", "cvpn.sock") // Listen creates run/
	l := listen(t, addr)

	for _, c := range []struct {
		path string
		mode fs.FileMode
	}{
		{filepath.Dir(addr), fs.ModeDir | 0o755},
		{addr, fs.ModeSocket | 0o666},
	} {
		fi, err := os.Lstat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != c.mode {
			t.Errorf("%s: mode %v, want %v", c.path, fi.Mode(), c.mode)
		}
	}

	cc, err := Dial(context.Background(), addr)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer cc.Close()
	sc := accept(t, l)

	got, err := PeerOf(sc)
	if err != nil {
		t.Fatalf("PeerOf: %v", err)
	}
	want := Peer{UID: os.Getuid(), PID: os.Getpid(), Admin: os.Getuid() == 0}
	if got != want {
		t.Errorf("PeerOf = %+v, want %+v", got, want)
	}
}

func TestPeerUnprivileged(t *testing.T) {
	testenv.RequireRoot(t)
	const nobody = 65534

	dir := testenv.WorldDir(t)
	addr := filepath.Join(dir, "cvpn.sock")
	l := listen(t, addr)

	// The test binary lives in a 0700 build directory; give the child a
	// copy it can execute.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "ipc.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+addr)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()

	sc := accept(t, l)
	got, err := PeerOf(sc)
	if err != nil {
		t.Fatalf("PeerOf: %v", err)
	}
	want := Peer{UID: nobody, PID: cmd.Process.Pid, Admin: false}
	if got != want {
		t.Errorf("PeerOf = %+v, want %+v", got, want)
	}
	sc.Close()
	waited = true
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v", err)
	}
}

func TestListenExisting(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, addr string) // leaves something at addr
		wantErr error                           // nil: Listen succeeds
		anyErr  bool                            // Listen fails, with no particular sentinel
	}{
		{name: "nothing", setup: func(*testing.T, string) {}},
		{name: "stale socket", setup: func(t *testing.T, addr string) {
			l, err := net.ListenUnix("unix", &net.UnixAddr{Name: addr, Net: "unix"})
			if err != nil {
				t.Fatal(err)
			}
			l.SetUnlinkOnClose(false)
			l.Close()
		}},
		{name: "live service", wantErr: ErrAlreadyRunning, setup: func(t *testing.T, addr string) {
			listen(t, addr)
		}},
		{name: "regular file", anyErr: true, setup: func(t *testing.T, addr string) {
			if err := os.WriteFile(addr, []byte("keep me"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := filepath.Join(t.TempDir(), "cvpn.sock")
			tt.setup(t, addr)
			before, _ := os.Lstat(addr)

			l, err := Listen(addr)
			if tt.wantErr == nil && !tt.anyErr {
				if err != nil {
					t.Fatalf("Listen: %v", err)
				}
				defer l.Close()
				c, err := Dial(context.Background(), addr)
				if err != nil {
					t.Fatalf("Dial after Listen: %v", err)
				}
				c.Close()
				return
			}
			if err == nil {
				l.Close()
				t.Fatal("Listen succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Listen: %v, want %v", err, tt.wantErr)
			}
			t.Logf("Listen: %v", err)
			// A refused Listen leaves what was there alone.
			after, err := os.Lstat(addr)
			if err != nil || !os.SameFile(before, after) {
				t.Errorf("Listen removed or replaced %s (%v)", addr, err)
			}
		})
	}
}

func TestDialNotRunning(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the address
	}{
		{"no socket", func(_ *testing.T, dir string) string {
			return filepath.Join(dir, "cvpn.sock")
		}},
		{"no directory", func(_ *testing.T, dir string) string {
			return filepath.Join(dir, "missing", "cvpn.sock")
		}},
		{"stale socket", func(t *testing.T, dir string) string {
			addr := filepath.Join(dir, "cvpn.sock")
			l, err := net.ListenUnix("unix", &net.UnixAddr{Name: addr, Net: "unix"})
			if err != nil {
				t.Fatal(err)
			}
			l.SetUnlinkOnClose(false)
			l.Close()
			return addr
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := tt.setup(t, t.TempDir())
			c, err := Dial(context.Background(), addr)
			if err == nil {
				c.Close()
				t.Fatal("Dial succeeded")
			}
			if !errors.Is(err, ErrNotRunning) {
				t.Fatalf("Dial: %v, want ErrNotRunning", err)
			}
			t.Logf("Dial: %v", err)
		})
	}
}

func TestPeerOfUnknown(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()

	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	tc, err := net.Dial("tcp", tl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()

	for _, c := range []net.Conn{a, tc, nil} {
		if p, err := PeerOf(c); err == nil {
			t.Errorf("PeerOf(%T) = %+v, want an error", c, p)
		}
	}
}

// TestServerTrusted: the client talks to root, or to its own uid, only.
func TestServerTrusted(t *testing.T) {
	for _, tt := range []struct {
		uid, self int
		want      bool
	}{
		{0, 0, true},
		{0, 1000, true},
		{1000, 1000, true},
		{65534, 0, false},
		{65534, 1000, false},
		{1000, 0, false},
	} {
		if got := serverTrusted(tt.uid, tt.self); got != tt.want {
			t.Errorf("serverTrusted(%d, self %d) = %v", tt.uid, tt.self, got)
		}
	}
}
