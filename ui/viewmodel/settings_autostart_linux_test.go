package viewmodel

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/policy"
)

// The login entry starts the program GUIPath names, and this program only
// when none is named: the CLI names cvpn-gui, whose entry must not start
// the CLI.
func TestSettingsAutostartGUIPath(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, guiPath, want string
	}{
		{"named", "/opt/cvpn/bin/cvpn-gui", "/opt/cvpn/bin/cvpn-gui"},
		{"this program", "", self},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xdg := t.TempDir()
			t.Setenv("XDG_CONFIG_HOME", xdg)
			m := OpenSettings(filepath.Join(t.TempDir(), "settings.json"),
				SettingsOptions{Policy: &policy.Policy{}, GUIPath: tt.guiPath})
			if err := m.SetStartAtLogin(true); err != nil {
				t.Fatal(err)
			}
			entry, err := os.ReadFile(filepath.Join(xdg, "autostart", "cvpn.desktop"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(entry), `Exec="`+tt.want+`" --tray`) {
				t.Errorf("entry does not start %s:\n%s", tt.want, entry)
			}
			if err := m.SetStartAtLogin(false); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(xdg, "autostart", "cvpn.desktop")); !os.IsNotExist(err) {
				t.Errorf("entry left after turning start at login off: %v", err)
			}
		})
	}
}
