//go:build linux || darwin

package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// probeTimeout bounds the check for a live service on an existing socket.
const probeTimeout = 2 * time.Second

// Listen creates the unix socket at addr. It creates the parent directory
// (0755) when missing, refuses to start when a live service answers on addr,
// removes a stale socket left by a crashed one, and makes the socket 0666:
// every local user may connect, and PeerOf decides what each may do.
//
// An existing directory must be the service user's and writable by no one
// else (ErrUnsafeDir). Its parents are not checked: the service's own
// directories (/run/cvpn, /var/run/cvpn) live in root-only parents.
func Listen(addr string) (net.Listener, error) {
	if err := makeParent(filepath.Dir(addr)); err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	if err := removeStale(addr); err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	l, err := net.Listen("unix", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	// The socket's mode decides who may connect(2); make it independent of
	// the umask the service happened to start with.
	if err := os.Chmod(addr, 0o666); err != nil {
		l.Close()
		return nil, fmt.Errorf("listen %s: chmod socket: %w", addr, err)
	}
	return l, nil
}

// makeParent creates dir with mode 0755 (owned by the service's user, root)
// if it does not exist. An existing directory keeps its mode (systemd's
// RuntimeDirectory= or an installer may have chosen it) but must be safe:
// see checkSocketDir.
func makeParent(dir string) error {
	if fi, err := os.Lstat(dir); err == nil {
		return checkSocketDir(dir, fi)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("stat socket dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create socket dir: %w", err)
	}
	// MkdirAll applies the umask; the clients need search permission.
	if err := os.Chmod(dir, 0o755); err != nil {
		return fmt.Errorf("chmod socket dir: %w", err)
	}
	return nil
}

// checkSocketDir refuses a socket directory that is a link, or that
// another user owns or may write: they could replace the socket with their
// own, or plant a link at its path for root to chmod. (Clients refuse an
// impostor listener anyway, see checkServer, but the service would be
// unreachable.)
func checkSocketDir(dir string, fi fs.FileInfo) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%w: %s is a symbolic link; replace it with a real directory (rm %s && mkdir -m 755 %s)", ErrUnsafeDir, dir, dir, dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory; remove it", ErrUnsafeDir, dir)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("%w: cannot read the owner of %s", ErrUnsafeDir, dir)
	}
	if euid := os.Geteuid(); int(st.Uid) != euid {
		return fmt.Errorf("%w: %s is owned by uid %d, not uid %d (this service); check its contents, then chown %d %s",
			ErrUnsafeDir, dir, st.Uid, euid, euid, dir)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("%w: %s is writable by group or others (mode %04o); check its contents, then chmod 755 %s",
			ErrUnsafeDir, dir, perm, dir)
	}
	return nil
}

// removeStale removes a socket file nobody listens on. A socket that accepts
// a connection belongs to a live service, and is left alone.
func removeStale(addr string) error {
	fi, err := os.Lstat(addr)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stat socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket; refusing to remove it", addr)
	}
	c, err := net.DialTimeout("unix", addr, probeTimeout)
	if err == nil {
		c.Close()
		return ErrAlreadyRunning
	}
	// Only "connection refused" proves nobody listens. Anything else (a
	// full backlog, a timeout) may be a live but busy service.
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("probe existing socket: %w", err)
	}
	if err := os.Remove(addr); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale socket: %w", err)
	}
	return nil
}

// Dial connects to the service's socket at addr. When nothing listens there
// the error wraps ErrNotRunning; when someone other than root (or the
// caller's own uid) listens there, it wraps ErrImpostor and the connection
// is closed unused.
func Dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", addr)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w: %w", ErrNotRunning, err)
		}
		return nil, err
	}
	if err := checkServer(c, addr); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// rawConn returns the socket of a unix connection, for reading its peer
// credentials.
func rawConn(c net.Conn) (syscall.RawConn, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil, fmt.Errorf("peer credentials: %T is not a unix socket connection", c)
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("peer credentials: %w", err)
	}
	return rc, nil
}
