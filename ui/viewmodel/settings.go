package viewmodel

import (
	"sync"

	"github.com/cvpn/cvpn/usersession"
)

// SettingsModel is the settings view's state over usersession's
// settings.json, the file the CLI reads too: the app never keeps settings
// of its own that the CLI would not honour.
type SettingsModel struct {
	path string

	mu  sync.Mutex
	cur usersession.Settings
	// Err is why the file could not be read; the view shows it and the
	// defaults until the user saves.
	err error
}

// LoadSettings reads the settings at path (usersession.SettingsPath);
// a broken file gives the defaults and an error the view shows.
func LoadSettings(path string) *SettingsModel {
	s, err := usersession.LoadSettings(path)
	return &SettingsModel{path: path, cur: s, err: err}
}

// Settings returns the current settings.
func (s *SettingsModel) Settings() usersession.Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// LoadError is why the file could not be read, or nil.
func (s *SettingsModel) LoadError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Browser is the browser command for sign-ins ("" for the system's); the
// Service backend reads it at each connect, so a change applies at once.
func (s *SettingsModel) Browser() string { return s.Settings().Browser }

// SetBrowser saves cmd as the browser command. An invalid command (more
// than one line) is refused and nothing changes.
func (s *SettingsModel) SetBrowser(cmd string) error {
	return s.update(func(n *usersession.Settings) { n.Browser = cmd })
}

// update changes a copy, saves it, and keeps it only once saved.
func (s *SettingsModel) update(change func(*usersession.Settings)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.cur
	change(&next)
	if err := usersession.SaveSettings(s.path, next); err != nil {
		return err
	}
	s.cur, s.err = next, nil
	return nil
}
