package autostart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLinuxEntry(t *testing.T) {
	tests := []struct {
		name, exe, wantExec string
	}{
		{"plain", "/usr/bin/cvpn-gui", `Exec="/usr/bin/cvpn-gui" --tray`},
		{"space", "/opt/my apps/cvpn-gui", `Exec="/opt/my apps/cvpn-gui" --tray`},
		{"reserved", `/opt/a"b$c%d\e/cvpn-gui`, `Exec="/opt/a\\"b\\$c%%d\\\\e/cvpn-gui" --tray`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "config")
			t.Setenv("XDG_CONFIG_HOME", cfg)
			file := filepath.Join(cfg, "autostart", "cvpn.desktop")
			if on, err := Enabled(); err != nil || on {
				t.Fatalf("Enabled before = %v, %v", on, err)
			}
			if err := Enable(tt.exe); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(data), "\n")
			if lines[0] != "[Desktop Entry]" || !contains(lines, "Type=Application") || !contains(lines, tt.wantExec) {
				t.Errorf("entry:\n%s\nwant the header, Type and %s", data, tt.wantExec)
			}
			if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("entry mode %v, %v; want 0600", st.Mode(), err)
			}
			if st, err := os.Stat(filepath.Dir(file)); err != nil || st.Mode().Perm() != 0o700 {
				t.Errorf("autostart dir mode %v, %v; want 0700", st.Mode(), err)
			}
			if on, err := Enabled(); err != nil || !on {
				t.Errorf("Enabled after Enable = %v, %v", on, err)
			}
			if err := Enable(tt.exe); err != nil { // again: replaces
				t.Errorf("second Enable: %v", err)
			}
			if err := Disable(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Errorf("entry still there after Disable: %v", err)
			}
			if err := Disable(); err != nil {
				t.Errorf("Disable without an entry: %v", err)
			}
			if leftovers, _ := os.ReadDir(filepath.Dir(file)); len(leftovers) != 0 {
				t.Errorf("files left: %v", leftovers)
			}
		})
	}
}

func TestDefaultsToHomeConfig(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "relative/ignored")
	if err := Enable("/usr/bin/cvpn-gui"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "autostart", "cvpn.desktop")); err != nil {
		t.Error(err)
	}
}

func TestEnableRefusesBadPaths(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, exe := range []string{"", "cvpn-gui", "/a\nb"} {
		if err := Enable(exe); err == nil || !strings.HasPrefix(err.Error(), "turn on start at login: ") {
			t.Errorf("Enable(%q) = %v, want a refusal", exe, err)
		}
	}
	if on, _ := Enabled(); on {
		t.Error("a refused Enable wrote an entry")
	}
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}
