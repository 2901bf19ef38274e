package usersession

import (
	"encoding/json"
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

// Every setting survives a save and a load, and a file from before the
// newer settings existed means their defaults: auto-reconnect on, the
// info log level, the OS's language.
func TestSettingsRoundTripAndOldFiles(t *testing.T) {
	tests := []struct {
		name      string
		file      string // written as is; "" saves want instead
		want      Settings
		reconnect bool
		level     string
	}{
		{name: "everything", want: Settings{Browser: "firefox", StartAtLogin: true, ConnectAtStart: "work",
			NoAutoReconnect: true, LogLevel: LogDebug, Language: "ja"}, reconnect: false, level: LogDebug},
		{name: "defaults", want: Settings{}, reconnect: true, level: LogInfo},
		{name: "old file", file: `{"browser": "chromium"}`, want: Settings{Browser: "chromium"}, reconnect: true, level: LogInfo},
		{name: "empty object", file: `{}`, want: Settings{}, reconnect: true, level: LogInfo},
		{name: "explicit info", file: `{"log_level": "info", "language": "en"}`, want: Settings{LogLevel: LogInfo, Language: "en"}, reconnect: true, level: LogInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "settings.json")
			if tt.file != "" {
				if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			} else if err := SaveSettings(path, tt.want); err != nil {
				t.Fatal(err)
			}
			got, err := LoadSettings(path)
			if err != nil || got != tt.want {
				t.Fatalf("loaded %+v, %v; want %+v", got, err, tt.want)
			}
			if got.AutoReconnect() != tt.reconnect || got.Level() != tt.level {
				t.Errorf("AutoReconnect %v, Level %q; want %v, %q", got.AutoReconnect(), got.Level(), tt.reconnect, tt.level)
			}
		})
	}
}

// Values nothing would obey are refused on save, saying what is allowed,
// and a file holding one loads as the defaults with an error naming it.
func TestSettingsValidation(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
		want string // in the error
	}{
		{"log level", Settings{LogLevel: "verbose"}, `unknown log level "verbose"`},
		{"language", Settings{Language: "fr"}, `unknown language "fr"`},
		{"language case", Settings{Language: "JA"}, `unknown language "JA"`},
		{"profile path", Settings{ConnectAtStart: "../x"}, "not a profile name"},
		{"browser lines", Settings{Browser: "a\nb"}, "one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "settings.json")
			err := SaveSettings(path, tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SaveSettings(%+v) = %v, want an error with %q", tt.s, err, tt.want)
			}
			if _, err := os.Stat(path); err == nil {
				t.Error("a refused value was written")
			}
			data, _ := json.Marshal(tt.s)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadSettings(path)
			if err == nil || !strings.Contains(err.Error(), path) || got != (Settings{}) {
				t.Errorf("loading %s: %+v, %v; want the defaults and an error naming the file", data, got, err)
			}
		})
	}
}
