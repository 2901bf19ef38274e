//go:build linux

package lab

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// InNetns runs fn on an OS thread switched into network namespace ns. A
// socket created inside fn belongs to ns for its whole life, so the caller
// can then use it from any goroutine: tests get listeners and connections
// inside the lab without running helper programs there.
func InNetns(ns string, fn func() error) error {
	target, err := os.Open(filepath.Join("/run/netns", ns))
	if err != nil {
		return fmt.Errorf("open netns %s: %w", ns, err)
	}
	defer target.Close()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return fmt.Errorf("open own netns: %w", err)
	}
	defer orig.Close()
	errc := make(chan error, 1)
	go func() {
		// The thread must go back to its namespace and be unlocked, not
		// discarded: lab processes are started with Pdeathsig, which the
		// kernel sends when the *thread* that forked them exits, so a
		// discarded thread would SIGKILL any server or client it happened
		// to start. Only if switching back fails is the thread left
		// locked, so the runtime discards it rather than reuse it in the
		// wrong namespace.
		runtime.LockOSThread()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter netns %s: %w", ns, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- errors.Join(ferr, fmt.Errorf("leave netns %s: %w", ns, err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// ListenTCP listens on addr inside namespace ns.
func ListenTCP(ns string, addr netip.AddrPort) (net.Listener, error) {
	var ln net.Listener
	err := InNetns(ns, func() (err error) {
		ln, err = net.Listen("tcp", addr.String())
		return err
	})
	return ln, err
}

// DialTCP connects to addr from inside namespace ns.
func DialTCP(ctx context.Context, ns string, addr netip.AddrPort) (net.Conn, error) {
	var c net.Conn
	err := InNetns(ns, func() (err error) {
		var d net.Dialer
		c, err = d.DialContext(ctx, "tcp", addr.String())
		return err
	})
	return c, err
}

// TransferResult is what Transfer measured.
type TransferResult struct {
	Bytes    int64
	Duration time.Duration
}

// Transfer sends size random bytes over TCP from namespace fromNS to a
// listener on to inside toNS and checks the receiver saw exactly the bytes
// sent (SHA-256). With the listener on the far tunnel address, this proves
// the tunnel carries bulk traffic intact, not just pings.
func Transfer(ctx context.Context, fromNS, toNS string, to netip.AddrPort, size int64) (TransferResult, error) {
	ln, err := ListenTCP(toNS, to)
	if err != nil {
		return TransferResult{}, fmt.Errorf("transfer: %w", err)
	}
	defer ln.Close()
	type recv struct {
		sum [32]byte
		n   int64
		err error
	}
	got := make(chan recv, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- recv{err: err}
			return
		}
		defer c.Close()
		h := sha256.New()
		n, err := io.Copy(h, c)
		var r recv
		copy(r.sum[:], h.Sum(nil))
		r.n, r.err = n, err
		got <- r
	}()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	c, err := DialTCP(ctx, fromNS, ln.Addr().(*net.TCPAddr).AddrPort())
	if err != nil {
		return TransferResult{}, fmt.Errorf("transfer: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	h := sha256.New()
	n, err := io.Copy(c, io.TeeReader(io.LimitReader(rand.Reader, size), h))
	if cerr := c.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return TransferResult{}, fmt.Errorf("transfer: send after %d of %d bytes: %w", n, size, err)
	}
	var r recv
	select {
	case r = <-got:
	case <-ctx.Done():
		return TransferResult{}, fmt.Errorf("transfer: %w", ctx.Err())
	}
	res := TransferResult{Bytes: r.n, Duration: time.Since(start)}
	if r.err != nil {
		return res, fmt.Errorf("transfer: receive: %w", r.err)
	}
	if r.n != size || r.sum != [32]byte(h.Sum(nil)) {
		return res, errors.New("transfer: the receiver got different bytes than were sent")
	}
	return res, nil
}
