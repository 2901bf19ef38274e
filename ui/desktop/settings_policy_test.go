package desktop

import (
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/usersession"
)

// settingsUnder is a SettingsModel over a new settings.json under the
// policy text (as if at /etc/cvpn/policy.json), whose autostart hook
// records its calls.
func settingsUnder(t *testing.T, policyText string) (m *viewmodel.SettingsModel, path string, autostart *[]bool) {
	t.Helper()
	p := mustPolicy(t, policyText)
	path = filepath.Join(t.TempDir(), "settings.json")
	calls := &[]bool{}
	m = viewmodel.OpenSettings(path, viewmodel.SettingsOptions{Policy: p,
		Autostart: func(on bool) error { *calls = append(*calls, on); return nil }})
	return m, path, calls
}

func TestSettingsRowsAndSave(t *testing.T) {
	inLanguage(t, "en")
	m, path, autostart := settingsUnder(t, `{}`)
	var f *settingsForm
	top, w := dialogIn(t, func(w fyne.Window) { f = showSettings(w, m, []string{"home", "work"}) })
	got := settingTexts(top)
	for _, want := range []string{"Start cvpn when I log in", "Reconnect when the connection drops", "Connect at start",
		"Log level", "Language", "Browser command", "Save", "Cancel"} {
		if !contains(got, want) {
			t.Errorf("settings lack %q: %q", want, got)
		}
	}
	if f.startAtLogin.Checked || !f.autoReconnect.Checked || f.connectAtStart.Selected != "None" ||
		f.logLevel.Selected != "Normal" || f.language.Selected != "Same as the system" {
		t.Errorf("defaults shown: login %v reconnect %v connect %q level %q language %q", f.startAtLogin.Checked,
			f.autoReconnect.Checked, f.connectAtStart.Selected, f.logLevel.Selected, f.language.Selected)
	}
	if want := []string{"None", "home", "work"}; strings.Join(f.connectAtStart.Options, ",") != strings.Join(want, ",") {
		t.Errorf("connect at start offers %q, want %q", f.connectAtStart.Options, want)
	}
	if len(f.locks) != 0 || f.policy.Visible() {
		t.Errorf("locks %v, policy problem %q with no policy", f.locks, f.policy.Text)
	}

	f.startAtLogin.SetChecked(true)
	f.autoReconnect.SetChecked(false)
	f.connectAtStart.SetSelected("work")
	f.logLevel.SetSelected("Debug")
	f.language.SetSelected("日本語")
	if !f.languageNote.Visible() {
		t.Error("changing the language does not say it applies after a restart")
	}
	test.Tap(f.save)
	want := usersession.Settings{StartAtLogin: true, NoAutoReconnect: true, ConnectAtStart: "work", LogLevel: "debug", Language: "ja"}
	if s, err := usersession.LoadSettings(path); err != nil || s != want {
		t.Errorf("settings.json after Save: %+v, %v; want %+v", s, err, want)
	}
	if len(*autostart) != 1 || !(*autostart)[0] {
		t.Errorf("autostart calls %v, want [true]", *autostart)
	}
	if w.Canvas().Overlays().Top() != nil {
		t.Error("the dialog stayed open after saving")
	}
}

// A locked row is disabled, shows the policy's value, says who set it,
// and Save leaves the user's own value in the file.
func TestSettingsLockedRows(t *testing.T) {
	inLanguage(t, "en")
	m, path, autostart := settingsUnder(t, `{"start_at_login": true, "log_level": "debug"}`)
	f, top, _ := openSettings(t, m)
	if !f.startAtLogin.Disabled() || !f.startAtLogin.Checked || !f.logLevel.Disabled() || f.logLevel.Selected != "Debug" {
		t.Errorf("locked rows: start at login disabled %v checked %v; log level disabled %v %q",
			f.startAtLogin.Disabled(), f.startAtLogin.Checked, f.logLevel.Disabled(), f.logLevel.Selected)
	}
	if f.autoReconnect.Disabled() || f.browser.Disabled() || f.language.Disabled() || f.connectAtStart.Disabled() {
		t.Error("an unlocked row is disabled")
	}
	const note = "Set by your administrator (/etc/cvpn/policy.json)"
	if got := settingTexts(top); !contains(got, note) {
		t.Errorf("no %q in %q", note, got)
	}
	if len(f.locks) != 2 || f.locks[policy.KeyStartAtLogin] == nil || f.locks[policy.KeyLogLevel] == nil {
		t.Errorf("lock notes for %v", f.locks)
	}
	f.browser.SetText("firefox")
	test.Tap(f.save)
	want := usersession.Settings{Browser: "firefox"}
	if s, err := usersession.LoadSettings(path); err != nil || s != want {
		t.Errorf("settings.json %+v, %v; want %+v (the policy's values are not the user's)", s, err, want)
	}
	if len(*autostart) != 0 {
		t.Errorf("autostart called %v for a locked setting", *autostart)
	}
}

// A broken policy is shown, and locks nothing.
func TestSettingsShowsABrokenPolicy(t *testing.T) {
	inLanguage(t, "en")
	path := filepath.Join(t.TempDir(), "settings.json")
	m := viewmodel.OpenSettings(path, viewmodel.SettingsOptions{Autostart: func(bool) error { return nil },
		PolicyErr: errBrokenPolicy})
	f, _, _ := openSettings(t, m)
	if !f.policy.Visible() || !strings.Contains(f.policy.Text, "bad JSON") || !strings.HasPrefix(f.policy.Text, "Your administrator's policy is not applied") {
		t.Errorf("policy problem %q (shown %v)", f.policy.Text, f.policy.Visible())
	}
	if len(f.locks) != 0 {
		t.Errorf("locks %v", f.locks)
	}
}

type policyError string

func (e policyError) Error() string { return string(e) }

const errBrokenPolicy = policyError("read policy /etc/cvpn/policy.json: bad JSON")

func TestSettingsLockedInJapanese(t *testing.T) {
	inLanguage(t, "ja")
	m, _, _ := settingsUnder(t, `{"auto_reconnect": true}`)
	_, top, _ := openSettings(t, m)
	got := settingTexts(top)
	for _, want := range []string{"ログイン時に cvpn を起動する", "接続が切れたら自動的に再接続する", "起動時に接続", "ログレベル", "言語",
		"管理者によって設定されています（/etc/cvpn/policy.json）"} {
		if !contains(got, want) {
			t.Errorf("settings lack %q: %q", want, got)
		}
	}
}

// settingTexts are texts with the check boxes' labels.
func settingTexts(o fyne.CanvasObject) []string {
	out := texts(o)
	for _, c := range visible(o) {
		if x, ok := c.(*widget.Check); ok {
			out = append(out, x.Text)
		}
	}
	return out
}
