package ipc

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestListenRefusesUnsafeSocketDir: a socket directory another user owns or
// may write lets them swap the socket for their own (clients would refuse
// it, but the service would be unreachable) or plant a link at its path
// for root to chmod. The service refuses to listen there.
func TestListenRefusesUnsafeSocketDir(t *testing.T) {
	testenv.RequireRoot(t)
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
	}{
		{"owned by another user", func(t *testing.T, dir string) {
			must(t, os.Mkdir(dir, 0o755))
			must(t, os.Chown(dir, testenv.Nobody, testenv.Nobody))
		}},
		{"writable by others", func(t *testing.T, dir string) {
			must(t, os.Mkdir(dir, 0o755))
			must(t, os.Chmod(dir, 0o777))
		}},
		{"a symlink", func(t *testing.T, dir string) {
			target := t.TempDir()
			must(t, os.Chmod(target, 0o755))
			must(t, os.Symlink(target, dir))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			tt.prepare(t, dir)
			l, err := Listen(filepath.Join(dir, "cvpn.sock"))
			if err == nil {
				l.Close()
			}
			t.Logf("Listen: %v", err)
			if !errors.Is(err, ErrUnsafeDir) {
				t.Errorf("Listen = %v, want ErrUnsafeDir", err)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
