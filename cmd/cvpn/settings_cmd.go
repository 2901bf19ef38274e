package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/usersession"
)

// The settings command reads and changes the settings the desktop app
// shows, through the same viewmodel.SettingsModel: the administrator's
// policy is merged and enforced in one place, and turning start at login
// on writes the login entry the app would write. ui/viewmodel links no
// Fyne (its own test checks), so the CLI stays free of the GUI toolkit.

func settingsCommand() *command {
	return &command{name: "settings", args: "[--json] | set KEY VALUE | browser [COMMAND]",
		summary: "show the settings in effect (and which the administrator's policy locks), or set one: " +
			settingKeyList() + `; "browser [COMMAND]" is the old form of "set browser COMMAND"`,
		run: (*app).settings, flags: settingsFlags}
}

// settingsFlags lists --json for help, the man page and the completions;
// settings reads its few words itself, as "set" and "browser" take
// values that may start with a dash.
func settingsFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("settings", flag.ContinueOnError)
	fs.Bool("json", false, "print the settings, which are locked and by what, as JSON")
	return fs
}

const settingsUsage = `usage: cvpn settings [--json]
       cvpn settings set KEY VALUE
       cvpn settings browser [COMMAND]  (COMMAND gets the address as its last argument; "" resets)`

// settings shows or changes the user's settings under the policy.
func (a *app) settings(args []string) int {
	switch {
	case len(args) == 0:
		return a.showSettings(false)
	case len(args) == 1 && (args[0] == "--json" || args[0] == "-json"):
		return a.showSettings(true)
	case args[0] == "set" && len(args) == 2 && isHelp(args[1]):
		fmt.Fprintf(a.stdout, "usage: cvpn settings set KEY VALUE  (keys: %s)\n", settingKeyList())
		return exitOK
	case args[0] == "set" && len(args) == 3:
		return a.setSetting(args[1], args[2])
	case args[0] == "set":
		fmt.Fprintf(a.stderr, "usage: cvpn settings set KEY VALUE  (keys: %s)\n", settingKeyList())
		return exitUsage
	case args[0] == "browser" && len(args) == 1:
		m, _, err := a.openSettings()
		if err != nil {
			return a.fail("settings", err)
		}
		fmt.Fprintln(a.stdout, m.Browser())
		return exitOK
	case args[0] == "browser" && len(args) == 2:
		return a.setSetting("browser", args[1])
	}
	fmt.Fprintln(a.stderr, settingsUsage)
	return exitUsage
}

// openSettings reads the user's settings under the machine's policy. A
// settings file that cannot be read is an error: saving over it would
// silently drop whatever else it holds.
func (a *app) openSettings() (*viewmodel.SettingsModel, string, error) {
	path, err := usersession.SettingsPath()
	if err != nil {
		return nil, "", err
	}
	gui, _ := desktopApp() // checked where start at login is turned on
	m := viewmodel.OpenSettings(path, viewmodel.SettingsOptions{GUIPath: gui})
	return m, path, m.LoadError()
}

// settingJSON is one setting in `cvpn settings --json`; Value is a string
// or, for on/off settings, a bool.
type settingJSON struct {
	Key      string `json:"key"`
	Value    any    `json:"value"`
	Locked   bool   `json:"locked"`
	LockedBy string `json:"locked_by,omitempty"`
}

// settingsJSON is the output of `cvpn settings --json`: the settings in
// effect, the file, why the policy is not applied, and why the file could
// not be read (the defaults are shown then).
type settingsJSON struct {
	File        string        `json:"file"`
	Settings    []settingJSON `json:"settings"`
	PolicyError string        `json:"policy_error,omitempty"`
	Error       string        `json:"error,omitempty"`
}

// showSettings prints every setting in effect. A broken file is shown as
// the defaults the app uses meanwhile and exits 1, so scripts notice.
func (a *app) showSettings(asJSON bool) int {
	m, path, loadErr := a.openSettings()
	if m == nil {
		return a.fail("settings", loadErr)
	}
	eff := m.Settings()
	if asJSON {
		out := settingsJSON{File: path, Settings: []settingJSON{}}
		for _, k := range settingKeys {
			locked, src := m.Locked(k.policy)
			out.Settings = append(out.Settings, settingJSON{Key: k.name, Value: k.value(eff), Locked: locked, LockedBy: src})
		}
		if err := m.PolicyError(); err != nil {
			out.PolicyError = err.Error()
		}
		if loadErr != nil {
			out.Error = loadErr.Error()
		}
		if code := a.printJSON(out); code != exitOK || loadErr == nil {
			return code
		}
		return exitError
	}
	for _, k := range settingKeys {
		line := k.name + ": " + k.show(eff)
		if locked, src := m.Locked(k.policy); locked {
			line += fmt.Sprintf("  (locked by %s)", src)
		}
		fmt.Fprintln(a.stdout, line)
	}
	fmt.Fprintf(a.stdout, "file: %s\n", path)
	if err := m.PolicyError(); err != nil {
		fmt.Fprintf(a.stdout, "policy: not applied: %v\n", err)
	}
	if loadErr != nil {
		return a.fail("settings", loadErr)
	}
	return exitOK
}

// setSetting changes one setting: a usage error for an unknown key or a
// value it does not take, a refusal naming the policy for a locked one.
func (a *app) setSetting(name, value string) int {
	k, ok := findSettingKey(name)
	if !ok {
		fmt.Fprintf(a.stderr, "cvpn settings set: unknown setting %q; the settings are %s\n", name, settingKeyList())
		return exitUsage
	}
	c, err := k.parse(value)
	if err != nil {
		fmt.Fprintf(a.stderr, "cvpn settings set %s: %v; use %s\n", k.name, err, k.valid)
		return exitUsage
	}
	m, _, err := a.openSettings()
	if err != nil {
		return a.fail("settings", err)
	}
	if locked, src := m.Locked(k.policy); locked {
		fmt.Fprintf(a.stderr, "cvpn settings set %s: your administrator sets it in the policy %s, which you cannot override; ask them to change it\n", k.name, src)
		return exitError
	}
	switch {
	case c.ConnectAtStart != nil && *c.ConnectAtStart != "":
		if err := a.checkProfile(*c.ConnectAtStart); err != nil {
			return a.fail("settings set "+k.name, err)
		}
	case c.StartAtLogin != nil && *c.StartAtLogin:
		if _, err := desktopApp(); err != nil {
			return a.fail("settings set "+k.name, err)
		}
	}
	if err := m.Apply(c); err != nil {
		return a.fail("settings set "+k.name, err)
	}
	// Writes the login entry again even when the setting did not change,
	// so setting it repairs an entry removed with the OS's tools.
	if c.StartAtLogin != nil {
		if err := m.SyncAutostart(); err != nil {
			return a.fail("settings set "+k.name, err)
		}
	}
	return exitOK
}

// checkProfile makes sure connect-at-start names a profile the app can
// connect.
func (a *app) checkProfile(name string) error {
	s, err := a.store()
	if err != nil {
		return err
	}
	if _, _, err := s.Get(name); err != nil {
		return fmt.Errorf("%w; see cvpn profile list", err)
	}
	return nil
}

// desktopApp is the path of cvpn-gui, the program start at login runs, or
// why it cannot run: the login entry would otherwise fail at every login,
// silently.
func desktopApp() (string, error) {
	gui, err := desktopAppPath()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(gui); err != nil {
		return gui, fmt.Errorf("start at login starts the desktop app, and it is not installed (no %s beside cvpn); install cvpn's desktop app (cvpn-gui) first", gui)
	}
	return gui, nil
}

// desktopAppPath is where cvpn-gui belongs: beside this program, as every
// cvpn package installs the two. Tests replace it.
var desktopAppPath = func() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the desktop app: find this program: %w", err)
	}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	name := "cvpn-gui"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(self), name), nil
}

// settingKeyList lists the settings' names for usage errors.
func settingKeyList() string {
	names := make([]string, len(settingKeys))
	for i, k := range settingKeys {
		names[i] = k.name
	}
	return strings.Join(names, ", ")
}

func findSettingKey(name string) (settingKey, bool) {
	for _, k := range settingKeys {
		if k.name == name {
			return k, true
		}
	}
	return settingKey{}, false
}

// settingKey is one setting as the command line names it.
type settingKey struct {
	name   string // on the command line
	policy string // policy.Key*, for Locked
	valid  string // the values set takes, for usage errors
	// parse turns VALUE into the change; an error is a usage error.
	parse func(value string) (viewmodel.Changes, error)
	show  func(usersession.Settings) string // for people
	value func(usersession.Settings) any    // for --json
}

// settingKeys are the settings in the order the app shows them.
var settingKeys = []settingKey{
	{"browser", policy.KeyBrowser, `a command (the address is its last argument), or "" for the default browser`,
		func(v string) (viewmodel.Changes, error) {
			if err := (usersession.Settings{Browser: v}).Validate(); err != nil {
				return viewmodel.Changes{}, err
			}
			return viewmodel.Changes{Browser: &v}, nil
		},
		func(s usersession.Settings) string {
			return orDefault(s.Browser, "(the default browser, or $CVPN_BROWSER)")
		},
		func(s usersession.Settings) any { return s.Browser }},
	{"start-at-login", policy.KeyStartAtLogin, "on or off",
		onOff(func(c *viewmodel.Changes, on bool) { c.StartAtLogin = &on }),
		func(s usersession.Settings) string { return onOffText(s.StartAtLogin) },
		func(s usersession.Settings) any { return s.StartAtLogin }},
	{"connect-at-start", policy.KeyConnectAtStart, `a profile's name, or none (or "")`,
		func(v string) (viewmodel.Changes, error) {
			if v == "none" {
				v = ""
			}
			if err := (usersession.Settings{ConnectAtStart: v}).Validate(); err != nil {
				return viewmodel.Changes{}, err
			}
			return viewmodel.Changes{ConnectAtStart: &v}, nil
		},
		func(s usersession.Settings) string { return orDefault(s.ConnectAtStart, "none") },
		func(s usersession.Settings) any { return s.ConnectAtStart }},
	{"auto-reconnect", policy.KeyAutoReconnect, "on or off",
		onOff(func(c *viewmodel.Changes, on bool) { c.AutoReconnect = &on }),
		func(s usersession.Settings) string { return onOffText(s.AutoReconnect()) },
		func(s usersession.Settings) any { return s.AutoReconnect() }},
	{"log-level", policy.KeyLogLevel, usersession.LogInfo + " or " + usersession.LogDebug,
		func(v string) (viewmodel.Changes, error) {
			if v == "" {
				return viewmodel.Changes{}, errors.New(`"" is not a log level`)
			}
			if err := usersession.ValidLogLevel(v); err != nil {
				return viewmodel.Changes{}, err
			}
			return viewmodel.Changes{LogLevel: &v}, nil
		},
		func(s usersession.Settings) string { return s.Level() },
		func(s usersession.Settings) any { return s.Level() }},
	{"language", policy.KeyLanguage, "auto (or \"\", the system's), " + strings.Join(usersession.Languages, ", "),
		func(v string) (viewmodel.Changes, error) {
			if v == "auto" {
				v = ""
			}
			if err := usersession.ValidLanguage(v); err != nil {
				return viewmodel.Changes{}, err
			}
			return viewmodel.Changes{Language: &v}, nil
		},
		func(s usersession.Settings) string { return orDefault(s.Language, "auto") },
		func(s usersession.Settings) any { return s.Language }},
}

// onOff parses an on/off VALUE into the change set makes.
func onOff(set func(c *viewmodel.Changes, on bool)) func(string) (viewmodel.Changes, error) {
	return func(v string) (viewmodel.Changes, error) {
		var c viewmodel.Changes
		switch v {
		case "on":
			set(&c, true)
		case "off":
			set(&c, false)
		default:
			return c, fmt.Errorf("%q is neither on nor off", v)
		}
		return c, nil
	}
}

func onOffText(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
