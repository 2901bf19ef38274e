package tunnel_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/netcfg"
	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// record is a well-formed crash-recovery record of a dead process: Recover
// would undo what it names.
func record(t *testing.T) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"profile": "planted", "pid": 0, "time": time.Now().UTC(),
		"applied": &netcfg.Applied{Interface: "cvpn9"}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRecoverRefusesPlantedRecords: a record root did not write itself, in
// a directory only root controls, must not be acted on: it would have root
// undo routes and rewrite DNS files of the planter's choosing. Refused
// records stay where they are (evidence), their targets untouched, and the
// error names the path.
func TestRecoverRefusesPlantedRecords(t *testing.T) {
	testenv.RequireRoot(t)
	const name = "planted.tunnel.json"
	tests := []struct {
		name string
		// prepare fills the state dir path stateDir (not yet created) and
		// returns a file whose content must not change.
		prepare func(t *testing.T, stateDir string) string
	}{
		{"record is a symlink", func(t *testing.T, stateDir string) string {
			target := filepath.Join(t.TempDir(), "elsewhere.json")
			mustWrite(t, target, record(t), 0o600)
			mustDo(t, os.Mkdir(stateDir, 0o700))
			mustDo(t, os.Symlink(target, filepath.Join(stateDir, name)))
			return target
		}},
		{"record owned by another user", func(t *testing.T, stateDir string) string {
			mustDo(t, os.Mkdir(stateDir, 0o700))
			p := filepath.Join(stateDir, name)
			mustWrite(t, p, record(t), 0o600)
			mustDo(t, os.Chown(p, testenv.Nobody, testenv.Nobody))
			return p
		}},
		{"record writable by others", func(t *testing.T, stateDir string) string {
			mustDo(t, os.Mkdir(stateDir, 0o700))
			p := filepath.Join(stateDir, name)
			mustWrite(t, p, record(t), 0o600)
			mustDo(t, os.Chmod(p, 0o666))
			return p
		}},
		{"record is a hard link", func(t *testing.T, stateDir string) string {
			target := filepath.Join(t.TempDir(), "elsewhere.json")
			mustWrite(t, target, record(t), 0o600)
			mustDo(t, os.Mkdir(stateDir, 0o700))
			mustDo(t, os.Link(target, filepath.Join(stateDir, name)))
			return target
		}},
		{"state dir is a symlink", func(t *testing.T, stateDir string) string {
			target := t.TempDir()
			mustWrite(t, filepath.Join(target, name), record(t), 0o600)
			mustDo(t, os.Symlink(target, stateDir))
			return filepath.Join(target, name)
		}},
		{"state dir owned by another user", func(t *testing.T, stateDir string) string {
			mustDo(t, os.Mkdir(stateDir, 0o700))
			p := filepath.Join(stateDir, name)
			mustWrite(t, p, record(t), 0o600)
			mustDo(t, os.Chown(stateDir, testenv.Nobody, testenv.Nobody))
			return p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stateDir := filepath.Join(t.TempDir(), "state")
			keep := tt.prepare(t, stateDir)
			before, err := os.ReadFile(keep)
			if err != nil {
				t.Fatal(err)
			}
			o := tunneltest.NewOS()
			m, _ := newTestManager(t, o, func(c *tunnel.Config) { c.StateDir = stateDir })
			done, err := m.Recover()
			t.Logf("Recover: %v", err)
			if len(o.Reverted()) != 0 || len(done) != 0 {
				t.Errorf("acted on a planted record: reverted %v, done %q", o.Reverted(), done)
			}
			if !errors.Is(err, logs.ErrUnsafePath) {
				t.Errorf("Recover = %v, want ErrUnsafePath", err)
			}
			if after, err := os.ReadFile(keep); err != nil || string(after) != string(before) {
				t.Errorf("%s changed or went: %v", keep, err)
			}
		})
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path string, b []byte, mode os.FileMode) {
	t.Helper()
	mustDo(t, os.WriteFile(path, b, mode))
}

// TestSaveStateDoesNotFollowPlantedTemp: the record is written to a
// temporary name and renamed; a link already at the temporary name (left
// from before the directory was root's) must be replaced, not written
// through.
func TestSaveStateDoesNotFollowPlantedTemp(t *testing.T) {
	testenv.RequireRoot(t)
	o := tunneltest.NewOS()
	stateDir := t.TempDir()
	m, _ := newTestManager(t, o, func(c *tunnel.Config) { c.StateDir = stateDir })
	victim := filepath.Join(t.TempDir(), "victim")
	mustWrite(t, victim, []byte("original\n"), 0o644)
	mustDo(t, os.Symlink(victim, m.StatePath("tmpy")+".tmp"))
	if _, err := m.Connect(t.Context(), tunnel.Request{Profile: tunneltest.Profile("tmpy")}); err != nil {
		t.Fatal(err)
	}
	if err := o.Session(t, "tmpy").BringUp(t, "10.8.0"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "original\n" {
		t.Errorf("the link's target was written: %q", b)
	}
	fi, err := os.Lstat(m.StatePath("tmpy"))
	if err != nil || !fi.Mode().IsRegular() {
		t.Errorf("record: %v %v, want a regular file", fi, err)
	}
}
