package service_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/service"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/service/userguard"
	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// The tests in the allowed_*_linux_test.go files play a user the service
// lets in — a real uid at the console, not root — against the real
// socket, with the kernel's own peer credentials: what such a caller can
// cost the root service (descriptors, memory, log history) stays bounded.

// allowedService is a Server on a socket every uid can reach, whose
// session source puts the given uids at the console.
type allowedService struct {
	os   *tunneltest.OS
	m    *tunnel.Manager
	logs *logs.Dir
	sock string
	root *client.Client
	// hold, when set, makes the manager's guard wait until the request's
	// context ends, as a slow session lookup would; the access check's
	// own lookup does not wait.
	hold atomic.Bool
	// stop ends the service's context and waits for Serve to return; the
	// test's cleanup calls it too, then closes the manager.
	stop func()
}

// allowedOptions changes what startAllowed builds.
type allowedOptions struct {
	console []int // uids at the console
	// realTUN creates real TUN devices instead of the fake OS's none.
	realTUN bool
	// sessions, if set, is called at every session lookup before it
	// answers (a barrier, say).
	sessions func(context.Context) error
}

func startAllowed(t *testing.T, o allowedOptions) *allowedService {
	t.Helper()
	testenv.RequireRoot(t)
	as := &allowedService{os: tunneltest.NewOS()}
	dir, err := logs.Open(t.TempDir(), logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	as.logs = dir
	src := userguard.SourceFunc(func(ctx context.Context) ([]userguard.Session, error) {
		if o.sessions != nil {
			if err := o.sessions(ctx); err != nil {
				return nil, err
			}
		}
		var out []userguard.Session
		for _, uid := range o.console {
			out = append(out, userguard.Session{User: fmt.Sprint("user", uid), UID: uid, TTY: "tty1", Kind: userguard.KindConsole})
		}
		return out, nil
	})
	hooks := as.os.Hooks()
	if o.realTUN {
		hooks.CreateDevice = nil // the manager's own: tun.Create
	}
	log := dir.Logger(false)
	as.m = tunnel.NewManager(tunnel.Config{
		Hooks: hooks, Logf: log.Logf, Redact: dir.Redactor().Redact,
		Guard: func(ctx context.Context) error {
			if as.hold.Load() {
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		},
	})
	srv := &service.Server{Manager: as.m, Logs: dir, Sessions: src, Version: "test", Logf: log.Logf}
	as.sock = filepath.Join(testenv.WorldDir(t), "cvpn.sock")
	as.stop = serveAt(t, srv, as.sock)
	t.Cleanup(func() {
		as.stop()
		_ = as.m.Close(context.Background())
		_ = dir.Close()
	})
	as.root = client.New(as.sock)
	return as
}

// resultLine is how the roles below print the outcome of a call: "ok",
// or "error STATUS CODE MESSAGE" (STATUS 0 and CODE transport when the
// call got no answer).
func resultLine(err error) string {
	var e *client.Error
	switch {
	case errors.As(err, &e):
		return fmt.Sprintf("error %d %s %s", e.Status, e.Code, e.Message)
	case err != nil:
		return fmt.Sprint("error 0 transport ", err)
	}
	return "ok"
}

// wantLines checks that each of lines starts with want.
func wantLines(t *testing.T, what string, lines []string, want string) {
	t.Helper()
	for i, l := range lines {
		if !strings.HasPrefix(l, want) {
			t.Errorf("%s #%d: %.300s; want %s…", what, i, l, want)
		}
	}
}
