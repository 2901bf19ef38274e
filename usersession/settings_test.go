package usersession

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSettings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cvpn", "settings.json")
	s, err := LoadSettings(path)
	if err != nil || s != (Settings{}) {
		t.Fatalf("missing file: %+v, %v; want the defaults", s, err)
	}
	want := Settings{Browser: "firefox --new-window"}
	if err := SaveSettings(path, want); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("settings file mode %v (%v), want 0600", st.Mode(), err)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("settings dir mode %v (%v), want 0700", st.Mode(), err)
	}
	if got, err := LoadSettings(path); err != nil || got != want {
		t.Errorf("read back %+v, %v; want %+v", got, err, want)
	}
	if err := SaveSettings(path, Settings{Browser: "a\nb"}); err == nil {
		t.Error("a two-line browser command was saved")
	}
	for _, bad := range []string{"{", `{"browser": 7}`, strings.Repeat(" ", maxSettings+1)} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadSettings(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("settings %.20q: error %v, want one naming the file", bad, err)
		}
	}
}

func TestSettingsPath(t *testing.T) {
	t.Setenv("CVPN_CONFIG_DIR", "/x/y")
	if p, err := SettingsPath(); err != nil || p != "/x/y/settings.json" {
		t.Errorf("SettingsPath = %q, %v", p, err)
	}
}
