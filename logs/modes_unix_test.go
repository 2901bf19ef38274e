//go:build !windows

package logs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// File modes are a unix promise; Windows relies on the ACL of the
// service's directory instead.
//
// Under umask 0, so a file or directory created without an explicit mode
// shows. A directory writable by others is refused, not repaired
// (TestOpenRefusesPlantedPaths); a merely readable one is tightened.
func TestModes(t *testing.T) {

	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
	}{
		{"fresh", func(t *testing.T, dir string) {}},
		{"repair", func(t *testing.T, dir string) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"connection.jsonl", "diagnostic-2026-01-01T00-00-00.000.log.gz"} {
				if err := os.WriteFile(filepath.Join(dir, n), []byte("{}\n"), 0o666); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "a", "logs")
			old := syscall.Umask(0)
			defer syscall.Umask(old)
			tt.prepare(t, dir)
			now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
			d, err := Open(dir, Options{Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			d.Logger(false).Logf("hello")
			if err := d.Connections().Write(ConnectionRecord{Profile: "p"}); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
				t.Fatalf("dir mode: %v %v", fi.Mode(), err)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) < 2 {
				t.Fatalf("files: %v", entries)
			}
			for _, e := range entries {
				fi, err := e.Info()
				if errors.Is(err, fs.ErrNotExist) {
					// Removed since ReadDir: the rotator's background pass
					// deletes files past the age limit by the real clock,
					// as the planted one is.
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", e.Name(), err)
				} else if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s mode %v", e.Name(), fi.Mode())
				}
			}
		})
	}
}
