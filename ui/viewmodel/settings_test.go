package viewmodel

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cvpn/cvpn/usersession"
)

// The settings view reads and writes the file the CLI reads; a refused
// value changes nothing, and a broken file shows the defaults and why.
func TestSettingsModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cvpn", "settings.json")
	s := LoadSettings(path)
	if s.LoadError() != nil || s.Browser() != "" {
		t.Fatalf("defaults: %q %v", s.Browser(), s.LoadError())
	}
	steps := []struct {
		set     string
		wantErr bool
		want    string
	}{
		{"firefox --new-window", false, "firefox --new-window"},
		{"evil\nsecond line", true, "firefox --new-window"},
		{"", false, ""},
		{"chromium", false, "chromium"},
	}
	for _, st := range steps {
		err := s.SetBrowser(st.set)
		if (err != nil) != st.wantErr || s.Browser() != st.want {
			t.Errorf("SetBrowser(%q): %v, browser now %q, want %q", st.set, err, s.Browser(), st.want)
		}
		if onDisk, err := usersession.LoadSettings(path); err != nil || onDisk.Browser != st.want {
			t.Errorf("on disk %+v %v, want %q", onDisk, err, st.want)
		}
	}

	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = LoadSettings(path)
	if s.LoadError() == nil || s.Settings() != (usersession.Settings{}) {
		t.Errorf("broken file: %+v %v", s.Settings(), s.LoadError())
	}
	if err := s.SetBrowser("firefox"); err != nil || s.LoadError() != nil {
		t.Errorf("saving over a broken file: %v %v", err, s.LoadError())
	}
}
