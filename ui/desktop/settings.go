package desktop

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// The settings dialog draws what viewmodel.SettingsModel models, which is
// usersession's settings.json, the file the CLI honours too. Today that is
// the browser command alone; the other settings (start at login,
// connect at start, auto-reconnect, log level, language, and locks by
// policy) get their rows here when the model gains them, so the dialog
// never offers a choice nothing would keep or obey.

// settingsForm is the dialog's widgets, kept for the tests.
type settingsForm struct {
	d       *dialog.CustomDialog
	m       *viewmodel.SettingsModel
	browser *widget.Entry
	problem *widget.Label // why the file could not be read, or saved
	save    *widget.Button
	cancel  *widget.Button
}

// ShowSettings shows m's settings over w. Save keeps the dialog open
// with the reason when the model refuses or cannot write, so nothing
// typed is lost; Cancel drops the changes.
func ShowSettings(w fyne.Window, m *viewmodel.SettingsModel) {
	showSettings(w, m)
}

func showSettings(w fyne.Window, m *viewmodel.SettingsModel) *settingsForm {
	f := &settingsForm{m: m}
	f.browser = widget.NewEntry()
	f.browser.SetPlaceHolder(i18n.T("settings.browser.placeholder"))
	f.browser.SetText(m.Browser())

	f.problem = widget.NewLabel("")
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Importance = widget.DangerImportance
	f.problem.Hide()
	if err := m.LoadError(); err != nil {
		// The defaults are shown; saving replaces the broken file.
		f.showProblem(err.Error())
	}

	hint := widget.NewLabel(i18n.T("settings.browser.hint"))
	hint.Wrapping = fyne.TextWrapWord
	hint.SizeName = theme.SizeNameCaptionText
	content := container.NewVBox(f.problem,
		widget.NewLabelWithStyle(i18n.T("settings.browser"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		f.browser, hint)

	f.d = dialog.NewCustomWithoutButtons(i18n.T("settings.title"), content, w)
	f.save = widget.NewButton(i18n.T("action.save"), f.apply)
	f.save.Importance = widget.HighImportance
	f.cancel = widget.NewButton(i18n.T("action.cancel"), f.d.Hide)
	f.d.SetButtons([]fyne.CanvasObject{f.cancel, f.save})
	f.browser.OnSubmitted = func(string) { f.apply() }
	f.d.Resize(fyne.NewSize(520, f.d.MinSize().Height))
	f.d.Show()
	return f
}

// apply saves what changed and closes the dialog, or says why not.
func (f *settingsForm) apply() {
	if f.browser.Text != f.m.Browser() || f.m.LoadError() != nil {
		if err := f.m.SetBrowser(f.browser.Text); err != nil {
			f.showProblem(i18n.TD("settings.save_failed", map[string]any{"Message": err.Error()}))
			return
		}
	}
	f.d.Hide()
}

func (f *settingsForm) showProblem(text string) {
	f.problem.SetText(text)
	f.problem.Show()
}
