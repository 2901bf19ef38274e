package desktop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/cvpn/cvpn/ui/viewmodel"
)

// settingsAt is a SettingsModel over a settings.json holding content
// ("" for no file).
func settingsAt(t *testing.T, content string) (*viewmodel.SettingsModel, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "settings.json")
	if content != "" {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return viewmodel.LoadSettings(path), path
}

// openSettings shows the dialog over m; closed reports whether it is gone.
func openSettings(t *testing.T, m *viewmodel.SettingsModel) (f *settingsForm, top fyne.CanvasObject, closed func() bool) {
	t.Helper()
	top, w := dialogIn(t, func(w fyne.Window) { f = showSettings(w, m, nil) })
	return f, top, func() bool { return w.Canvas().Overlays().Top() == nil }
}

func TestSettingsShowsAndSavesTheBrowser(t *testing.T) {
	inLanguage(t, "en")
	m, path := settingsAt(t, `{"browser": "firefox --new-window"}`)
	f, top, closed := openSettings(t, m)
	got := texts(top)
	for _, want := range []string{"Settings", "Browser command", "Save", "Cancel"} {
		if !contains(got, want) {
			t.Errorf("settings lack %q: %q", want, got)
		}
	}
	if f.browser.Text != "firefox --new-window" {
		t.Errorf("browser entry %q, want the saved command", f.browser.Text)
	}
	if f.problem.Visible() {
		t.Errorf("a problem is shown: %q", f.problem.Text)
	}

	f.browser.SetText(f.browser.Text + " --private")
	test.Tap(f.save)
	if got := m.Browser(); got != "firefox --new-window --private" {
		t.Errorf("model's browser %q after Save", got)
	}
	if data, err := os.ReadFile(path); err != nil || !strings.Contains(string(data), "--private") {
		t.Errorf("settings.json after Save: %q, %v", data, err)
	}
	if !closed() {
		t.Error("the dialog stayed open after saving")
	}
}

func TestSettingsCancelKeepsTheSavedValue(t *testing.T) {
	inLanguage(t, "en")
	m, _ := settingsAt(t, `{"browser": "firefox"}`)
	f, _, closed := openSettings(t, m)
	f.browser.SetText("chromium")
	test.Tap(f.cancel)
	if got := m.Browser(); got != "firefox" {
		t.Errorf("model's browser %q after Cancel, want firefox", got)
	}
	if !closed() {
		t.Error("the dialog stayed open after Cancel")
	}
}

// A failed save keeps the dialog and what was typed, and says why.
func TestSettingsSaveFailureIsShown(t *testing.T) {
	inLanguage(t, "en")
	dir := t.TempDir()
	file := filepath.Join(dir, "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m := viewmodel.LoadSettings(filepath.Join(file, "settings.json"))
	f, _, closed := openSettings(t, m)
	f.browser.SetText("chromium")
	test.Tap(f.save)
	if closed() {
		t.Fatal("the dialog closed although nothing was saved")
	}
	if !f.problem.Visible() || !strings.HasPrefix(f.problem.Text, "Could not save the settings: ") {
		t.Errorf("problem %q (shown %v), want why the save failed", f.problem.Text, f.problem.Visible())
	}
	if f.browser.Text != "chromium" {
		t.Errorf("the typed command became %q", f.browser.Text)
	}
}

// A broken file shows why, with the defaults, and Save replaces it.
func TestSettingsBrokenFile(t *testing.T) {
	inLanguage(t, "en")
	m, path := settingsAt(t, "{")
	f, _, _ := openSettings(t, m)
	if !f.problem.Visible() || !strings.Contains(f.problem.Text, path) {
		t.Errorf("problem %q (shown %v), want the load error naming the file", f.problem.Text, f.problem.Visible())
	}
	if f.browser.Text != "" {
		t.Errorf("browser %q, want the default", f.browser.Text)
	}
	test.Tap(f.save)
	if m.LoadError() != nil {
		t.Errorf("after Save the model still has %v", m.LoadError())
	}
	if err := viewmodel.LoadSettings(path).LoadError(); err != nil {
		t.Errorf("settings.json is still broken: %v", err)
	}
}

func TestSettingsInJapanese(t *testing.T) {
	inLanguage(t, "ja")
	m, _ := settingsAt(t, "")
	f, top, _ := openSettings(t, m)
	got := texts(top)
	for _, want := range []string{"設定", "ブラウザーのコマンド", "保存", "キャンセル"} {
		if !contains(got, want) {
			t.Errorf("settings lack %q: %q", want, got)
		}
	}
	if f.browser.PlaceHolder != "システムの既定のブラウザー" {
		t.Errorf("placeholder %q", f.browser.PlaceHolder)
	}
}
