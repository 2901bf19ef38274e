package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cvpn/cvpn/service/ipc"
	"github.com/cvpn/cvpn/tunnel"
)

// Even an allowed caller (root here) cannot hold a connection, and so a
// descriptor of the service, by going quiet: after an answer the
// connection waits idle only so long, and a request body must arrive
// within the request's time.
func TestQuietConnectionsAreClosed(t *testing.T) {
	m := tunnel.NewManager(tunnel.Config{StateDir: t.TempDir()})
	s := &Server{Manager: m, Version: "test", idle: 100 * time.Millisecond, request: 100 * time.Millisecond}
	sock := filepath.Join(t.TempDir(), "cvpn.sock")
	l, err := ipc.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		_ = m.Close(context.Background())
	})

	tests := []struct{ name, send string }{
		{"idle after an answer", "GET /v1/status HTTP/1.1\r\nHost: cvpn\r\n\r\n"},
		{"a body that never arrives", "POST /v1/connect HTTP/1.1\r\nHost: cvpn\r\nContent-Length: 1000\r\n\r\n{\"name\":"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// Far longer than the service's timeouts, far shorter than forever.
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			fmt.Fprint(c, tt.send)
			// Whatever the service answers, it must then close.
			if _, err := io.Copy(io.Discard, c); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatal("the service still holds the connection 5 s later")
				}
				t.Fatalf("read: %v, want the service to close the connection", err)
			}
		})
	}
}
