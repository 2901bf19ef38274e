package usersession

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Settings are the user's own preferences, kept in settings.json in the
// user's cvpn configuration directory, beside the profiles. The CLI and
// the GUI read and change the same file.
type Settings struct {
	// Browser is the command that opens sign-in pages (the address is
	// appended as its last argument); empty means CVPN_BROWSER, else the
	// system's default browser.
	Browser string `json:"browser,omitempty"`
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
	return s, s.validate()
}

func (s Settings) validate() error {
	if strings.ContainsAny(s.Browser, "\n\r\x00") {
		return errors.New("settings: the browser command must be one line")
	}
	return nil
}

// SaveSettings writes s to path (0600, in a 0700 directory), whole or
// not at all.
func SaveSettings(path string, s Settings) error {
	if err := s.validate(); err != nil {
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
