package viewmodel

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/usersession"
)

// policyOf decodes a policy as if read from /etc/cvpn/policy.json.
func policyOf(t *testing.T, text string) *policy.Policy {
	t.Helper()
	p, err := policy.Decode(strings.NewReader(text), "/etc/cvpn/policy.json")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// userFile writes the user's settings.json and returns its path.
func userFile(t *testing.T, s usersession.Settings) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := usersession.SaveSettings(path, s); err != nil {
		t.Fatal(err)
	}
	return path
}

// The policy's values win over the user's, only for the keys it sets;
// those are locked with the policy's source, and the others are not.
func TestSettingsPolicyOverUser(t *testing.T) {
	user := usersession.Settings{Browser: "firefox", StartAtLogin: true, ConnectAtStart: "home",
		NoAutoReconnect: true, LogLevel: usersession.LogDebug, Language: "ja"}
	tests := []struct {
		name   string
		policy string
		want   usersession.Settings
		locked []string
	}{
		{name: "no policy", policy: `{}`, want: user},
		{name: "connect at start", policy: `{"connect_at_start": "work"}`,
			want:   func() usersession.Settings { s := user; s.ConnectAtStart = "work"; return s }(),
			locked: []string{policy.KeyConnectAtStart}},
		{name: "everything", policy: `{"connect_at_start": "", "auto_reconnect": true, "log_level": "info",
			"start_at_login": false, "language": "en", "browser": "chromium"}`,
			want: usersession.Settings{Browser: "chromium", LogLevel: usersession.LogInfo, Language: "en"},
			locked: []string{policy.KeyConnectAtStart, policy.KeyAutoReconnect, policy.KeyLogLevel,
				policy.KeyStartAtLogin, policy.KeyLanguage, policy.KeyBrowser}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := OpenSettings(userFile(t, user), SettingsOptions{Policy: policyOf(t, tt.policy), Autostart: func(bool) error { return nil }})
			if got := m.Settings(); got != tt.want {
				t.Errorf("effective %+v, want %+v", got, tt.want)
			}
			if got := m.UserSettings(); got != user {
				t.Errorf("user's own %+v, want them unchanged", got)
			}
			if m.Browser() != tt.want.Browser || m.ConnectAtStart() != tt.want.ConnectAtStart ||
				m.AutoReconnect() != tt.want.AutoReconnect() || m.LogLevel() != tt.want.Level() ||
				m.Language() != tt.want.Language || m.StartAtLogin() != tt.want.StartAtLogin {
				t.Error("an accessor disagrees with Settings()")
			}
			lockedSet := map[string]bool{}
			for _, k := range tt.locked {
				lockedSet[k] = true
			}
			for _, k := range []string{policy.KeyConnectAtStart, policy.KeyAutoReconnect, policy.KeyLogLevel,
				policy.KeyStartAtLogin, policy.KeyLanguage, policy.KeyBrowser} {
				locked, src := m.Locked(k)
				if locked != lockedSet[k] || (locked && src != "/etc/cvpn/policy.json") {
					t.Errorf("Locked(%s) = %v, %q", k, locked, src)
				}
			}
		})
	}
}

// A setter of a locked setting is refused, saying who set it, and nothing
// is written; the unlocked ones still save.
func TestSettingsLockedSettersRefused(t *testing.T) {
	path := userFile(t, usersession.Settings{})
	var hook []bool
	m := OpenSettings(path, SettingsOptions{
		Policy: policyOf(t, `{"start_at_login": true, "log_level": "debug", "browser": "x", "language": "ja",
			"connect_at_start": "work", "auto_reconnect": false}`),
		Autostart: func(on bool) error { hook = append(hook, on); return nil },
	})
	for name, set := range map[string]func() error{
		"browser":          func() error { return m.SetBrowser("y") },
		"start at login":   func() error { return m.SetStartAtLogin(false) },
		"connect at start": func() error { return m.SetConnectAtStart("") },
		"auto-reconnect":   func() error { return m.SetAutoReconnect(true) },
		"log level":        func() error { return m.SetLogLevel("info") },
		"language":         func() error { return m.SetLanguage("en") },
	} {
		err := set()
		if !errors.Is(err, ErrSettingLocked) || !strings.Contains(err.Error(), "/etc/cvpn/policy.json") {
			t.Errorf("%s: %v, want ErrSettingLocked naming the policy", name, err)
		}
	}
	if got, _ := usersession.LoadSettings(path); got != (usersession.Settings{}) || len(hook) != 0 {
		t.Errorf("after refusals the file holds %+v and autostart was called %v", got, hook)
	}

	// One locked change in a batch refuses the whole batch.
	m = OpenSettings(path, SettingsOptions{Policy: policyOf(t, `{"language": "en"}`), Autostart: func(bool) error { return nil }})
	b, l := "chromium", "ja"
	if err := m.Apply(Changes{Browser: &b, Language: &l}); !errors.Is(err, ErrSettingLocked) {
		t.Errorf("Apply with a locked change: %v", err)
	}
	if m.Browser() != "" {
		t.Errorf("browser %q after a refused batch", m.Browser())
	}
	if err := m.Apply(Changes{Browser: &b}); err != nil || m.Browser() != "chromium" {
		t.Errorf("unlocked change: %v, browser %q", err, m.Browser())
	}
}

// A policy that is broken, or sets values nothing obeys, locks nothing
// and says why; the user's settings apply.
func TestSettingsBrokenPolicyLocksNothing(t *testing.T) {
	user := usersession.Settings{Browser: "firefox"}
	tests := []struct {
		name string
		o    SettingsOptions
		want string
	}{
		{"unreadable", SettingsOptions{PolicyErr: errors.New("read policy /etc/cvpn/policy.json: not a valid policy")}, "not a valid policy"},
		{"bad level", SettingsOptions{Policy: policyOf(t, `{"log_level": "loud", "browser": "evil"}`)}, `unknown log level "loud"`},
		{"bad language", SettingsOptions{Policy: policyOf(t, `{"language": "xx"}`)}, "/etc/cvpn/policy.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Autostart = func(bool) error { return nil }
			m := OpenSettings(userFile(t, user), tt.o)
			if err := m.PolicyError(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("PolicyError %v, want %q", err, tt.want)
			}
			if m.Settings() != user {
				t.Errorf("effective %+v, want the user's %+v", m.Settings(), user)
			}
			if locked, _ := m.Locked(policy.KeyBrowser); locked {
				t.Error("browser locked by a broken policy")
			}
			if err := m.SetBrowser("chromium"); err != nil {
				t.Errorf("the user cannot change a setting: %v", err)
			}
		})
	}
}

// Turning start at login on or off calls the autostart hook, once, before
// the file is written; a failed hook saves nothing, and a failed save
// puts the OS's entry back.
func TestSettingsStartAtLoginHook(t *testing.T) {
	var calls []bool
	hookErr := error(nil)
	path := userFile(t, usersession.Settings{})
	m := OpenSettings(path, SettingsOptions{Policy: &policy.Policy{},
		Autostart: func(on bool) error { calls = append(calls, on); return hookErr }})
	if err := m.SetStartAtLogin(true); err != nil || !m.StartAtLogin() {
		t.Fatalf("SetStartAtLogin(true): %v", err)
	}
	if err := m.SetStartAtLogin(true); err != nil { // unchanged: no call
		t.Fatal(err)
	}
	if err := m.SetBrowser("x"); err != nil { // other settings: no call
		t.Fatal(err)
	}
	hookErr = errors.New("turn off start at login: permission denied")
	if err := m.SetStartAtLogin(false); err == nil || !m.StartAtLogin() {
		t.Errorf("a failed hook: %v, start at login now %v", err, m.StartAtLogin())
	}
	if got, _ := usersession.LoadSettings(path); !got.StartAtLogin {
		t.Error("the file changed although the hook failed")
	}
	if want := []bool{true, false}; !equalBools(calls, want) {
		t.Errorf("hook calls %v, want %v", calls, want)
	}

	// The save fails: the entry is put back as it was.
	hookErr, calls = nil, nil
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m = OpenSettings(filepath.Join(blocked, "settings.json"), SettingsOptions{Policy: &policy.Policy{},
		Autostart: func(on bool) error { calls = append(calls, on); return nil }})
	if err := m.SetStartAtLogin(true); err == nil {
		t.Fatal("saved into a file")
	}
	if want := []bool{true, false}; !equalBools(calls, want) || m.StartAtLogin() {
		t.Errorf("hook calls %v (want %v), start at login %v", calls, want, m.StartAtLogin())
	}

	// SyncAutostart applies the setting in effect, the policy's first.
	calls = nil
	m = OpenSettings(path, SettingsOptions{Policy: policyOf(t, `{"start_at_login": false}`),
		Autostart: func(on bool) error { calls = append(calls, on); return nil }})
	if err := m.SyncAutostart(); err != nil || !equalBools(calls, []bool{false}) {
		t.Errorf("SyncAutostart: %v, calls %v", err, calls)
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
