package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/usersession"
)

// settingsEnv gives a test its own settings file, login entries and
// policy (none when policyJSON is ""), and a desktop app beside cvpn
// when gui is set. It returns the policy's path.
func settingsEnv(t *testing.T, policyJSON string, gui bool) string {
	t.Helper()
	root := t.TempDir()
	t.Setenv("CVPN_CONFIG_DIR", filepath.Join(root, "config"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "xdg"))
	pol := filepath.Join(root, "policy.json")
	t.Setenv("CVPN_POLICY_FILE", pol)
	if policyJSON != "" {
		if os.Geteuid() != 0 {
			t.Skip("the policy must be owned by root; run as root")
		}
		if err := os.WriteFile(pol, []byte(policyJSON), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	guiPath := filepath.Join(root, "bin", "cvpn-gui")
	if gui {
		if err := os.MkdirAll(filepath.Dir(guiPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(guiPath, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := desktopAppPath
	desktopAppPath = func() (string, error) { return guiPath, nil }
	t.Cleanup(func() { desktopAppPath = old })
	return pol
}

// runSettings runs cvpn with a store holding the profile "corp".
func runSettings(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	store := profile.NewStore(t.TempDir(), t.TempDir())
	if _, err := store.Import(testdata("aws-ad-mfa.ovpn"), "corp"); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, store: func() (*profile.Store, error) { return store, nil }}
	code = a.run(args)
	return code, out.String(), errb.String()
}

func userSettings(t *testing.T) usersession.Settings {
	t.Helper()
	path, err := usersession.SettingsPath()
	if err != nil {
		t.Fatal(err)
	}
	s, err := usersession.LoadSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Every setting is shown with its value in effect, a locked one with the
// policy that locks it, and a broken policy with its error.
func TestSettingsShow(t *testing.T) {
	tests := []struct {
		name, policy string
		want, never  []string
	}{
		{"defaults", "", []string{
			"browser: (the default browser, or $CVPN_BROWSER)\n", "start-at-login: off\n", "connect-at-start: none\n",
			"auto-reconnect: on\n", "log-level: info\n", "language: auto\n", "settings.json\n"}, []string{"locked", "policy"}},
		{"locked", `{"auto_reconnect": false, "log_level": "debug"}`, []string{
			"auto-reconnect: off  (locked by ", "log-level: debug  (locked by ", "policy.json)\n", "language: auto\n"},
			[]string{"language: auto  (locked", "policy: not applied"}},
		{"broken policy", `{"auto_reconect": false}`, []string{"auto-reconnect: on\n", "policy: not applied: read policy ", "auto_reconect"},
			[]string{"locked by"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settingsEnv(t, tt.policy, false)
			code, out, errOut := runSettings(t, "settings")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
		})
	}
}

func TestSettingsShowJSON(t *testing.T) {
	tests := []struct {
		name, policy string
		values       map[string]any
		lockedBy     map[string]bool
		policyError  string
	}{
		{"defaults", "", map[string]any{"browser": "", "start-at-login": false, "connect-at-start": "",
			"auto-reconnect": true, "log-level": "info", "language": ""}, nil, ""},
		{"locked", `{"language": "ja", "start_at_login": true}`, map[string]any{"language": "ja", "start-at-login": true,
			"auto-reconnect": true}, map[string]bool{"language": true, "start-at-login": true}, ""},
		{"broken policy", `{"log_level": "loud"}`, map[string]any{"log-level": "info"}, nil, `unknown log level "loud"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := settingsEnv(t, tt.policy, false)
			code, out, errOut := runSettings(t, "settings", "--json")
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got settingsJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			if len(got.Settings) != len(settingKeys) || !strings.HasSuffix(got.File, "settings.json") {
				t.Fatalf("got %+v", got)
			}
			for _, s := range got.Settings {
				if want, ok := tt.values[s.Key]; ok && s.Value != want {
					t.Errorf("%s = %v, want %v", s.Key, s.Value, want)
				}
				wantLocked := tt.lockedBy[s.Key]
				if s.Locked != wantLocked || (wantLocked && s.LockedBy != pol) || (!wantLocked && s.LockedBy != "") {
					t.Errorf("%s locked %v by %q, want %v by %s", s.Key, s.Locked, s.LockedBy, wantLocked, pol)
				}
			}
			if !strings.Contains(got.PolicyError, tt.policyError) || (tt.policyError == "") != (got.PolicyError == "") {
				t.Errorf("policy error %q, want %q", got.PolicyError, tt.policyError)
			}
		})
	}
}

// Each key is set and saved to the file the app reads; the old browser
// form still works.
func TestSettingsSet(t *testing.T) {
	tests := []struct {
		args  []string
		check func(s usersession.Settings) bool
	}{
		{[]string{"set", "browser", "firefox --new-window"}, func(s usersession.Settings) bool { return s.Browser == "firefox --new-window" }},
		{[]string{"browser", "chromium"}, func(s usersession.Settings) bool { return s.Browser == "chromium" }},
		{[]string{"set", "browser", ""}, func(s usersession.Settings) bool { return s.Browser == "" }},
		{[]string{"set", "start-at-login", "on"}, func(s usersession.Settings) bool { return s.StartAtLogin }},
		{[]string{"set", "start-at-login", "off"}, func(s usersession.Settings) bool { return !s.StartAtLogin }},
		{[]string{"set", "connect-at-start", "corp"}, func(s usersession.Settings) bool { return s.ConnectAtStart == "corp" }},
		{[]string{"set", "connect-at-start", "none"}, func(s usersession.Settings) bool { return s.ConnectAtStart == "" }},
		{[]string{"set", "connect-at-start", "corp"}, func(s usersession.Settings) bool { return s.ConnectAtStart == "corp" }},
		{[]string{"set", "connect-at-start", ""}, func(s usersession.Settings) bool { return s.ConnectAtStart == "" }},
		{[]string{"set", "auto-reconnect", "off"}, func(s usersession.Settings) bool { return s.NoAutoReconnect }},
		{[]string{"set", "auto-reconnect", "on"}, func(s usersession.Settings) bool { return !s.NoAutoReconnect }},
		{[]string{"set", "log-level", "debug"}, func(s usersession.Settings) bool { return s.Level() == usersession.LogDebug }},
		{[]string{"set", "log-level", "info"}, func(s usersession.Settings) bool { return s.Level() == usersession.LogInfo }},
		{[]string{"set", "language", "ja"}, func(s usersession.Settings) bool { return s.Language == "ja" }},
		{[]string{"set", "language", "auto"}, func(s usersession.Settings) bool { return s.Language == "" }},
		{[]string{"set", "language", "en"}, func(s usersession.Settings) bool { return s.Language == "en" }},
		{[]string{"set", "language", ""}, func(s usersession.Settings) bool { return s.Language == "" }},
	}
	settingsEnv(t, "", true)
	entry := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "autostart", "cvpn.desktop")
	for _, tt := range tests {
		code, _, errOut := runSettings(t, append([]string{"settings"}, tt.args...)...)
		if code != exitOK {
			t.Fatalf("settings %q: exit %d: %s", tt.args, code, errOut)
		}
		s := userSettings(t)
		if !tt.check(s) {
			t.Errorf("settings %q: saved %+v", tt.args, s)
		}
		if tt.args[1] == "start-at-login" {
			data, err := os.ReadFile(entry)
			if on := tt.args[2] == "on"; on != (err == nil) {
				t.Errorf("settings %q: login entry: %v", tt.args, err)
			} else if on && !strings.Contains(string(data), "cvpn-gui\" --tray") {
				t.Errorf("login entry does not start the desktop app:\n%s", data)
			}
		}
	}
	if code, out, _ := runSettings(t, "settings", "browser"); code != exitOK || out != "\n" {
		t.Errorf("settings browser: exit %d, %q", code, out)
	}
}

// What is refused and why: locked keys name the policy, bad keys and
// values name the valid ones, and nothing is saved.
func TestSettingsSetRefused(t *testing.T) {
	tests := []struct {
		name   string
		gui    bool
		args   []string
		code   int
		stderr []string
	}{
		{"locked", true, []string{"set", "auto-reconnect", "on"}, exitError,
			[]string{"auto-reconnect", "your administrator sets it in the policy ", "policy.json"}},
		{"locked browser compat", true, []string{"browser", "firefox"}, exitError, []string{"browser: your administrator sets it", "policy.json"}},
		{"unknown key", true, []string{"set", "colour", "red"}, exitUsage,
			[]string{`unknown setting "colour"`, "browser, start-at-login, connect-at-start, auto-reconnect, log-level, language"}},
		{"on/off", true, []string{"set", "start-at-login", "yes"}, exitUsage, []string{`"yes" is neither on nor off; use on or off`}},
		{"log level", true, []string{"set", "log-level", "trace"}, exitUsage, []string{`"trace"`, "use info or debug"}},
		{"language", true, []string{"set", "language", "fr"}, exitUsage, []string{`"fr"`, "auto", "en, ja"}},
		{"profile name", true, []string{"set", "connect-at-start", "../x"}, exitUsage, []string{"not a profile name"}},
		{"missing profile", true, []string{"set", "connect-at-start", "home"}, exitError, []string{"home", "not found", "cvpn profile list"}},
		{"browser lines", true, []string{"set", "browser", "a\nb"}, exitUsage, []string{"one line"}},
		{"no desktop app", false, []string{"set", "start-at-login", "on"}, exitError, []string{"desktop app", "not installed", "cvpn-gui"}},
		{"set arity", true, []string{"set", "browser"}, exitUsage, []string{"usage: cvpn settings set KEY VALUE"}},
		{"unknown form", true, []string{"frob"}, exitUsage, []string{"usage: cvpn settings", "set KEY VALUE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settingsEnv(t, `{"auto_reconnect": false, "browser": "corp-browser"}`, tt.gui)
			code, _, errOut := runSettings(t, append([]string{"settings"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, errOut)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q: %s", w, errOut)
				}
			}
			if s := userSettings(t); s != (usersession.Settings{}) {
				t.Errorf("saved %+v", s)
			}
			if _, err := os.Stat(filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "autostart")); !os.IsNotExist(err) {
				t.Errorf("login entries touched: %v", err)
			}
		})
	}
}
