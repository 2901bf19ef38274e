package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The file is trusted only when root (here: the test's uid, as owner is
// swapped) owns it and nobody else can write it; a missing file is no
// policy; anything wrong is an error and no locks.
func TestReadFile(t *testing.T) {
	old := owner
	owner = uint32(os.Getuid())
	t.Cleanup(func() { owner = old })

	tests := []struct {
		name    string
		content string // "" for no file
		mode    os.FileMode
		owner   int // offset from the test's uid
		dir     bool
		wantErr string
		locked  bool // browser locked
	}{
		{name: "missing"},
		{name: "valid", content: `{"browser": "firefox"}`, mode: 0o644, locked: true},
		{name: "read-only for all", content: `{"browser": "firefox"}`, mode: 0o400, locked: true},
		{name: "group-writable", content: `{"browser": "x"}`, mode: 0o664, wantErr: "writable by group or others (mode 0664)"},
		{name: "world-writable", content: `{"browser": "x"}`, mode: 0o646, wantErr: "chmod go-w"},
		{name: "other owner", content: `{"browser": "x"}`, mode: 0o644, owner: 1, wantErr: "not root"},
		{name: "broken", content: `{"browser": 1}`, mode: 0o644, wantErr: "not a valid policy"},
		{name: "directory", dir: true, wantErr: "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "policy.json")
			switch {
			case tt.dir:
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
			case tt.content != "":
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.mode); err != nil {
					t.Fatal(err)
				}
			}
			owner = uint32(os.Getuid() + tt.owner)
			t.Setenv(FileEnv, path)
			p, err := Load()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %v, want one naming %s and %q", err, path, tt.wantErr)
				}
				if p == nil || !p.Empty() {
					t.Errorf("a broken policy gave %+v, want no locks", p)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if locked, src := p.Locked(KeyBrowser); locked != tt.locked || (locked && src != path) {
				t.Errorf("browser locked %v by %q, want %v by %s", locked, src, tt.locked, path)
			}
		})
	}
}
