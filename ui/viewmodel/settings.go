package viewmodel

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/ui/autostart"
	"github.com/cvpn/cvpn/usersession"
)

// SettingsModel is the settings view's state over usersession's
// settings.json, the file the CLI reads too: the app never keeps settings
// of its own that the CLI would not honour. Over the user's settings lies
// the administrator's policy: a setting the policy sets is the policy's
// value, shown locked, and the setters refuse to change it. The user's
// own value stays in the file, so it is back when the policy goes.
type SettingsModel struct {
	path      string
	autostart func(on bool) error

	mu  sync.Mutex
	cur usersession.Settings // the user's, as in the file
	pol *policy.Policy       // never nil; empty when there is none
	// err is why the file could not be read; the view shows it and the
	// defaults until the user saves. polErr is why the policy was not
	// applied.
	err, polErr error
}

// ErrSettingLocked is why a setter refuses a setting the policy sets.
var ErrSettingLocked = errors.New("set by your administrator")

// SettingsOptions are the doors of a SettingsModel to the machine; the
// zero value is the real ones.
type SettingsOptions struct {
	// Policy is the administrator's policy and PolicyErr why it is
	// broken; with both nil, policy.Load is read.
	Policy    *policy.Policy
	PolicyErr error
	// Autostart turns start at login on or off; nil is ui/autostart with
	// GUIPath.
	Autostart func(on bool) error
	// GUIPath is the absolute path of the desktop app (cvpn-gui) that the
	// login entry starts; "" is this program, which is right for the app
	// itself but not for the CLI, whose own path would start a command
	// that exits at once.
	GUIPath string
}

// LoadSettings reads the settings at path (usersession.SettingsPath)
// under the machine's policy; a broken file gives the defaults and an
// error the view shows.
func LoadSettings(path string) *SettingsModel { return OpenSettings(path, SettingsOptions{}) }

// OpenSettings is LoadSettings with o's policy and autostart.
func OpenSettings(path string, o SettingsOptions) *SettingsModel {
	s, err := usersession.LoadSettings(path)
	pol, polErr := o.Policy, o.PolicyErr
	if pol == nil && polErr == nil {
		pol, polErr = policy.Load()
	}
	if pol == nil {
		pol = &policy.Policy{}
	}
	// A policy whose values nothing would obey is as broken as one that
	// cannot be parsed: none of it is applied.
	if verr := effective(usersession.Settings{}, pol).Validate(); verr != nil && polErr == nil {
		polErr = fmt.Errorf("read policy %s: %w; the administrator must correct it; no setting is locked until it is fixed", pol.Source, verr)
	}
	if polErr != nil {
		pol = &policy.Policy{}
	}
	m := &SettingsModel{path: path, autostart: o.Autostart, cur: s, pol: pol, err: err, polErr: polErr}
	if m.autostart == nil {
		m.autostart = systemAutostart(o.GUIPath)
	}
	return m
}

// systemAutostart keeps the OS's login entry for the program at exe, or
// for this program when exe is "".
func systemAutostart(exe string) func(on bool) error {
	return func(on bool) error {
		if !on {
			return autostart.Disable()
		}
		if exe != "" {
			return autostart.Enable(exe)
		}
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("turn on start at login: find this program: %w", err)
		}
		return autostart.Enable(self)
	}
}

// effective is u with the policy's values over it.
func effective(u usersession.Settings, p *policy.Policy) usersession.Settings {
	if p.Browser != nil {
		u.Browser = *p.Browser
	}
	if p.StartAtLogin != nil {
		u.StartAtLogin = *p.StartAtLogin
	}
	if p.ConnectAtStart != nil {
		u.ConnectAtStart = *p.ConnectAtStart
	}
	if p.AutoReconnect != nil {
		u.NoAutoReconnect = !*p.AutoReconnect
	}
	if p.LogLevel != nil {
		u.LogLevel = *p.LogLevel
	}
	if p.Language != nil {
		u.Language = *p.Language
	}
	return u
}

// Settings returns the settings in effect: the policy's over the user's.
func (s *SettingsModel) Settings() usersession.Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return effective(s.cur, s.pol)
}

// UserSettings returns the user's own settings, as in the file.
func (s *SettingsModel) UserSettings() usersession.Settings {
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

// PolicyError is why the administrator's policy is not applied, or nil.
func (s *SettingsModel) PolicyError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polErr
}

// Locked reports whether the policy sets key (a policy.Key constant), and
// where the policy came from.
func (s *SettingsModel) Locked(key string) (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pol.Locked(key)
}

// Browser is the browser command for sign-ins ("" for the system's); the
// Service backend reads it at each connect, so a change applies at once.
func (s *SettingsModel) Browser() string { return s.Settings().Browser }

// StartAtLogin reports whether the app starts in the tray at login.
func (s *SettingsModel) StartAtLogin() bool { return s.Settings().StartAtLogin }

// ConnectAtStart is the profile to connect when the app starts, or "".
func (s *SettingsModel) ConnectAtStart() string { return s.Settings().ConnectAtStart }

// AutoReconnect reports whether tunnels retry when the connection drops;
// the Service backend reads it at each connect.
func (s *SettingsModel) AutoReconnect() bool { return s.Settings().AutoReconnect() }

// LogLevel is usersession.LogInfo or LogDebug; the Service backend reads
// it at each connect.
func (s *SettingsModel) LogLevel() string { return s.Settings().Level() }

// Language is the language tag for i18n.SetLanguage ("" follows the OS).
// The app calls it once at start: the views are built in one language.
func (s *SettingsModel) Language() string { return s.Settings().Language }

// Changes are settings to save at once; a nil field stays as it is.
type Changes struct {
	Browser, ConnectAtStart, LogLevel, Language *string
	StartAtLogin, AutoReconnect                 *bool
}

// Apply saves c. A change to a setting the policy locks, or an invalid
// value, refuses all of c and nothing changes. Turning start at login on
// or off changes the OS's login entry first, and that entry is put back
// when the file cannot be saved, so the two agree.
func (s *SettingsModel) Apply(c Changes) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.cur
	for _, f := range []struct {
		key string
		set bool
		do  func()
	}{
		{policy.KeyBrowser, c.Browser != nil, func() { next.Browser = *c.Browser }},
		{policy.KeyConnectAtStart, c.ConnectAtStart != nil, func() { next.ConnectAtStart = *c.ConnectAtStart }},
		{policy.KeyLogLevel, c.LogLevel != nil, func() { next.LogLevel = *c.LogLevel }},
		{policy.KeyLanguage, c.Language != nil, func() { next.Language = *c.Language }},
		{policy.KeyStartAtLogin, c.StartAtLogin != nil, func() { next.StartAtLogin = *c.StartAtLogin }},
		{policy.KeyAutoReconnect, c.AutoReconnect != nil, func() { next.NoAutoReconnect = !*c.AutoReconnect }},
	} {
		if !f.set {
			continue
		}
		if locked, src := s.pol.Locked(f.key); locked {
			return fmt.Errorf("change %s: %w (%s); ask them to change it", f.key, ErrSettingLocked, src)
		}
		f.do()
	}
	if err := next.Validate(); err != nil {
		return err
	}
	toggled := c.StartAtLogin != nil && next.StartAtLogin != effective(s.cur, s.pol).StartAtLogin
	if toggled {
		if err := s.autostart(next.StartAtLogin); err != nil {
			return err
		}
	}
	if err := usersession.SaveSettings(s.path, next); err != nil {
		if toggled {
			_ = s.autostart(!next.StartAtLogin)
		}
		return err
	}
	s.cur, s.err = next, nil
	return nil
}

// SyncAutostart makes the OS's login entry match the setting in effect;
// the app calls it at start, so a policy's start_at_login is obeyed, and
// an entry the user removed with the OS's tools is put back (or one left
// by an old install is removed).
func (s *SettingsModel) SyncAutostart() error {
	return s.autostart(s.StartAtLogin())
}

// SetBrowser saves cmd as the browser command. An invalid command (more
// than one line), or one the policy sets, is refused and nothing changes.
func (s *SettingsModel) SetBrowser(cmd string) error { return s.Apply(Changes{Browser: &cmd}) }

// SetStartAtLogin turns start at login on or off.
func (s *SettingsModel) SetStartAtLogin(on bool) error { return s.Apply(Changes{StartAtLogin: &on}) }

// SetConnectAtStart chooses the profile to connect at start ("" none).
func (s *SettingsModel) SetConnectAtStart(name string) error {
	return s.Apply(Changes{ConnectAtStart: &name})
}

// SetAutoReconnect turns reconnecting on drops on or off.
func (s *SettingsModel) SetAutoReconnect(on bool) error { return s.Apply(Changes{AutoReconnect: &on}) }

// SetLogLevel chooses the log level (usersession.LogInfo or LogDebug).
func (s *SettingsModel) SetLogLevel(level string) error { return s.Apply(Changes{LogLevel: &level}) }

// SetLanguage chooses the language ("" follows the OS); it takes effect
// when the app starts again.
func (s *SettingsModel) SetLanguage(tag string) error { return s.Apply(Changes{Language: &tag}) }
