package svcrun

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// listenNotify stands in for systemd: a unixgram socket at addr, named in
// $NOTIFY_SOCKET for the test.
func listenNotify(t *testing.T, addr string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen notify socket: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", addr)
	return c
}

// readNotify returns the next datagram, or fails after a timeout.
func readNotify(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	n, _, err := c.ReadFromUnix(buf)
	if err != nil {
		t.Fatalf("read notify socket: %v", err)
	}
	return string(buf[:n])
}

func TestRunSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			notify := listenNotify(t, filepath.Join(t.TempDir(), "notify"))
			want := errors.New("run's result")
			err := Run("cvpn", func(ctx context.Context) error {
				// Run has installed its handler before calling run, so
				// the signal cannot kill the test.
				if err := syscall.Kill(os.Getpid(), sig); err != nil {
					return err
				}
				select {
				case <-ctx.Done():
					return want
				case <-time.After(10 * time.Second):
					return errors.New("ctx not canceled")
				}
			})
			if !errors.Is(err, want) {
				t.Fatalf("Run = %v, want %v", err, want)
			}
			if got := readNotify(t, notify); got != "STOPPING=1" {
				t.Errorf("notify = %q, want STOPPING=1", got)
			}
		})
	}
}

func TestRunReturns(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	for _, want := range []error{nil, errors.New("failed")} {
		err := Run("cvpn", func(ctx context.Context) error {
			if ctx.Err() != nil {
				return errors.New("ctx canceled before any signal")
			}
			return want
		})
		if err != want {
			t.Errorf("Run = %v, want %v", err, want)
		}
	}
}

func TestReady(t *testing.T) {
	tests := []struct {
		name string
		addr func(t *testing.T) string
	}{
		{"path", func(t *testing.T) string { return filepath.Join(t.TempDir(), "notify") }},
		{"abstract", func(*testing.T) string {
			return fmt.Sprintf("@cvpn-svcrun-test-%d-%d", os.Getpid(), time.Now().UnixNano())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := listenNotify(t, tt.addr(t))
			if err := Ready(); err != nil {
				t.Fatalf("Ready: %v", err)
			}
			if got := readNotify(t, c); got != "READY=1" {
				t.Errorf("notify = %q, want READY=1", got)
			}
		})
	}
}

func TestReadyNotUnderSystemd(t *testing.T) {
	tests := []struct {
		env     string
		wantErr bool
	}{
		{"", false},
		{filepath.Join(t.TempDir(), "absent"), true},
		{"vsock:2:1234", true},
	}
	for _, tt := range tests {
		t.Setenv("NOTIFY_SOCKET", tt.env)
		if err := Ready(); (err != nil) != tt.wantErr {
			t.Errorf("NOTIFY_SOCKET=%q: Ready = %v, want error %v", tt.env, err, tt.wantErr)
		}
	}
}
