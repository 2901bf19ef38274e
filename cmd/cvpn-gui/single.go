package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// One app per user: the start-at-login copy sits in the tray, and a user
// who then starts cvpn from the menu expects its window, not a second
// tray icon. The first copy listens on a unix socket in a directory only
// the user can enter; a later copy that reaches it asks it to show its
// window and ends.
//
//	copy 2 ──dial──▶ instance socket ──"show"──▶ copy 1: Window.Show
//
// A socket left by a crashed copy refuses the dial; it is removed and
// claimed again.

// errRunning is claimInstance's answer when another copy took the call.
var errRunning = errors.New("cvpn-gui is already running")

// instance is a claimed single-instance socket; the zero value (no
// claim) is valid and does nothing.
type instance struct {
	ln   net.Listener
	wg   sync.WaitGroup
	once sync.Once
}

// instancePath is the socket's usual place: the user's runtime directory
// where there is one (Linux), else the user's cache directory.
func instancePath() (string, error) {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "cvpn-gui.sock"), nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find a place for the single-instance socket: %w", err)
	}
	return filepath.Join(d, "cvpn", "gui.sock"), nil
}

// claimInstance makes this copy the running one, or returns errRunning
// after asking the running one to show its window. path "" is
// instancePath(). Any other error leaves a usable zero instance.
func claimInstance(path string) (*instance, error) {
	if path == "" {
		p, err := instancePath()
		if err != nil {
			return &instance{}, err
		}
		path = p
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return &instance{}, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Write([]byte("show\n")); err != nil {
			return &instance{}, fmt.Errorf("ask the running cvpn-gui at %s to show itself: %w", path, err)
		}
		// Wait for its "ok", so this copy ends only once the other heard.
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			return &instance{}, fmt.Errorf("ask the running cvpn-gui at %s to show itself: %w", path, err)
		}
		return nil, errRunning
	}
	// Nothing answers: a stale socket of a copy that crashed, or none.
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return &instance{}, fmt.Errorf("listen on %s: %w", path, err)
	}
	return &instance{ln: ln}, nil
}

// Serve calls show for each later copy's request, until Close.
func (i *instance) Serve(show func()) {
	if i == nil || i.ln == nil {
		return
	}
	i.wg.Add(1)
	go func() {
		defer i.wg.Done()
		for {
			c, err := i.ln.Accept()
			if err != nil {
				return
			}
			i.answer(c, show)
		}
	}()
}

// answer reads one request line; anything but "show" is ignored. The
// deadline bounds what a stuck peer can hold.
func (i *instance) answer(c net.Conn, show func()) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(&limited{c, 64}).ReadString('\n')
	if err != nil || line != "show\n" {
		return
	}
	show()
	_, _ = c.Write([]byte("ok\n"))
}

// Close stops listening and removes the socket.
func (i *instance) Close() {
	if i == nil || i.ln == nil {
		return
	}
	i.once.Do(func() {
		_ = i.ln.Close() // a unix listener removes its socket file
		i.wg.Wait()
	})
}

// limited reads at most n bytes: a request is one short line.
type limited struct {
	c net.Conn
	n int
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("request too long")
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.c.Read(p)
	l.n -= n
	return n, err
}

// dialUnix reaches an instance socket (the tests use it).
func dialUnix(path string) (net.Conn, error) { return net.DialTimeout("unix", path, time.Second) }
