package usersession

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/cvpn/cvpn/service/api"
)

// Settings are the user's own preferences, kept in settings.json in the
// user's cvpn configuration directory, beside the profiles. The CLI and
// the GUI read and change the same file.
//
// Every field's zero value is its default, so a file written before a
// field existed (or by hand, with it left out) keeps meaning what it did.
type Settings struct {
	// Browser is the command that opens sign-in pages (the address is
	// appended as its last argument); empty means CVPN_BROWSER, else the
	// system's default browser.
	Browser string `json:"browser,omitempty"`
	// StartAtLogin starts the desktop app, hidden in the tray, when the
	// user logs in (ui/autostart keeps the OS's entry in step).
	StartAtLogin bool `json:"start_at_login,omitempty"`
	// ConnectAtStart is the profile the desktop app connects when it
	// starts; "" connects none.
	ConnectAtStart string `json:"connect_at_start,omitempty"`
	// NoAutoReconnect ends a tunnel when its connection drops instead of
	// retrying. It is stored negated so that a missing key, as in every
	// older file, means the default: reconnect.
	NoAutoReconnect bool `json:"no_auto_reconnect,omitempty"`
	// LogLevel is LogInfo ("" too) or LogDebug, which asks the service
	// for the tunnel's packet-level detail in its connection log.
	LogLevel string `json:"log_level,omitempty"`
	// Language is the app's language: "" follows the OS, else one of
	// Languages.
	Language string `json:"language,omitempty"`
}

// Log levels of Settings.LogLevel (and of api.ConnectBody.LogLevel).
const (
	LogInfo  = api.LogLevelInfo
	LogDebug = api.LogLevelDebug
)

// Languages are the values Settings.Language accepts besides "".
var Languages = []string{"en", "ja"}

// AutoReconnect reports whether a dropped connection is retried.
func (s Settings) AutoReconnect() bool { return !s.NoAutoReconnect }

// Level is the log level with the default filled in.
func (s Settings) Level() string {
	if s.LogLevel == "" {
		return LogInfo
	}
	return s.LogLevel
}

// SettingsPath is settings.json in $CVPN_CONFIG_DIR, else in the OS's
// user configuration directory under cvpn.
func SettingsPath() (string, error) {
	root := os.Getenv("CVPN_CONFIG_DIR")
	if root == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("find the configuration directory: %w", err)
		}
		root = filepath.Join(base, "cvpn")
	}
	return filepath.Join(root, "settings.json"), nil
}

// maxSettings bounds what LoadSettings reads: the file is small, and a
// huge one is not ours.
const maxSettings = 64 << 10

// LoadSettings reads path; a missing file is the defaults.
func LoadSettings(path string) (Settings, error) {
	var s Settings
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return s, fmt.Errorf("read settings: %w", err)
	case len(data) > maxSettings:
		return s, fmt.Errorf("read settings: %s is larger than %d KiB; delete it to start from the defaults", path, maxSettings>>10)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return Settings{}, fmt.Errorf("read settings: %s is not valid (%v); fix it or delete it to start from the defaults", path, err)
	}
	if err := s.Validate(); err != nil {
		return Settings{}, fmt.Errorf("read settings: %s: %w; fix it or save the settings again", path, err)
	}
	return s, nil
}

// Validate refuses values no part of cvpn would know what to do with.
func (s Settings) Validate() error {
	if strings.ContainsAny(s.Browser, "\n\r\x00") {
		return errors.New("settings: the browser command must be one line")
	}
	if strings.ContainsAny(s.ConnectAtStart, "\n\r\x00/\\") {
		return fmt.Errorf("settings: %q is not a profile name; pick a profile from the list", s.ConnectAtStart)
	}
	if err := ValidLogLevel(s.LogLevel); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := ValidLanguage(s.Language); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}

// ValidLogLevel accepts "", LogInfo and LogDebug.
func ValidLogLevel(level string) error {
	switch level {
	case "", LogInfo, LogDebug:
		return nil
	}
	return fmt.Errorf("unknown log level %q; use %q or %q", level, LogInfo, LogDebug)
}

// ValidLanguage accepts "" (the OS's) and Languages.
func ValidLanguage(tag string) error {
	if tag == "" {
		return nil
	}
	for _, l := range Languages {
		if l == tag {
			return nil
		}
	}
	return fmt.Errorf("unknown language %q; use one of %s, or none to follow the system", tag, strings.Join(Languages, ", "))
}

// SaveSettings writes s to path (0600, in a 0700 directory), whole or
// not at all.
func SaveSettings(path string, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return WritePrivate(path, append(data, '\n'))
}
