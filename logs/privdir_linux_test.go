package logs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// planted is a file outside the log directory that an attacker wants root
// to append to or chmod: /etc/shadow in real life.
type planted struct {
	path string
	mode os.FileMode
}

func plant(t *testing.T) planted {
	t.Helper()
	p := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(p, []byte("original\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	return planted{p, 0o644}
}

// untouched fails t unless v still has its mode and content.
func (v planted) untouched(t *testing.T) {
	t.Helper()
	fi, err := os.Stat(v.path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(v.path)
	if fi.Mode().Perm() != v.mode || string(b) != "original\n" {
		t.Errorf("victim %s changed: mode %v, content %q", v.path, fi.Mode(), b)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefusesPlantedPaths: the root service must not follow a link, or
// write to a file or into a directory another user controls, in its log
// directory: root would append to or chmod whatever it points to. Each
// case is refused with ErrUnsafePath, and the planted target is untouched.
func TestOpenRefusesPlantedPaths(t *testing.T) {
	testenv.RequireRoot(t)
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string, v planted)
	}{
		{"dir is a symlink", func(t *testing.T, dir string, v planted) {
			target := t.TempDir()
			mustDo(t, os.Chmod(target, 0o755))
			mustDo(t, os.Symlink(target, dir))
			t.Cleanup(func() {
				if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o755 {
					t.Errorf("link target chmodded to %v", fi.Mode())
				}
				if e, _ := os.ReadDir(target); len(e) != 0 {
					t.Errorf("files created in the link target: %v", e)
				}
			})
		}},
		{"dir owned by another user", func(t *testing.T, dir string, v planted) {
			mustDo(t, os.Mkdir(dir, 0o700))
			mustDo(t, os.Chown(dir, testenv.Nobody, testenv.Nobody))
		}},
		{"dir writable by others", func(t *testing.T, dir string, v planted) {
			mustDo(t, os.Mkdir(dir, 0o700))
			mustDo(t, os.Chmod(dir, 0o777))
		}},
		{"parent writable by others", func(t *testing.T, dir string, v planted) {
			mustDo(t, os.Chmod(filepath.Dir(dir), 0o777))
		}},
		{"connection log is a symlink", func(t *testing.T, dir string, v planted) {
			mustDo(t, os.Mkdir(dir, 0o700))
			mustDo(t, os.Symlink(v.path, filepath.Join(dir, "connection.jsonl")))
		}},
		{"diagnostic log is a symlink", func(t *testing.T, dir string, v planted) {
			mustDo(t, os.Mkdir(dir, 0o700))
			mustDo(t, os.Symlink(v.path, filepath.Join(dir, "diagnostic.log")))
		}},
		{"backup is a symlink", func(t *testing.T, dir string, v planted) {
			mustDo(t, os.Mkdir(dir, 0o700))
			mustDo(t, os.Symlink(v.path, filepath.Join(dir, "diagnostic-2026-01-01T00-00-00.000.log.gz")))
		}},
		{"connection log is a hard link", func(t *testing.T, dir string, v planted) {
			mustDo(t, os.Mkdir(dir, 0o700))
			mustDo(t, os.Link(v.path, filepath.Join(dir, "connection.jsonl")))
		}},
		{"diagnostic log owned by another user", func(t *testing.T, dir string, v planted) {
			mustDo(t, os.Mkdir(dir, 0o700))
			p := filepath.Join(dir, "diagnostic.log")
			mustDo(t, os.WriteFile(p, []byte("theirs\n"), 0o600))
			mustDo(t, os.Chown(p, testenv.Nobody, testenv.Nobody))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := filepath.Join(t.TempDir(), "var")
			mustDo(t, os.Mkdir(parent, 0o755))
			dir := filepath.Join(parent, "logs")
			v := plant(t)
			tt.prepare(t, dir, v)
			d, err := Open(dir, Options{})
			if err == nil {
				d.Logger(false).Logf("hello")
				_ = d.Connections().Write(ConnectionRecord{Profile: "p"})
				d.Close()
			}
			t.Logf("Open: %v", err)
			if !errors.Is(err, ErrUnsafePath) {
				t.Errorf("Open = %v, want ErrUnsafePath", err)
			}
			v.untouched(t)
		})
	}
}
