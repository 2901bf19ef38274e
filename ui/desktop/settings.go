package desktop

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// The settings dialog draws what viewmodel.SettingsModel models: the
// user's settings.json (the file the CLI honours too) under the
// administrator's policy. It shows the values in effect; a row the policy
// sets is locked (settings_rows.go). Save hands the model only what the
// user changed in unlocked rows, all at once, so a refusal changes
// nothing and a locked value never overwrites the user's own in the file.
//
// The language is chosen here but used from the next start: the views
// are built in one language, and rebuilding every open one is more than
// the choice is worth.

// settingsForm is the dialog's widgets, kept for the tests.
type settingsForm struct {
	d  *dialog.CustomDialog
	m  *viewmodel.SettingsModel
	cv shownSettings // the values the dialog opened with

	browser        *widget.Entry
	startAtLogin   *widget.Check
	autoReconnect  *widget.Check
	connectAtStart *choiceSelect
	logLevel       *choiceSelect
	language       *choiceSelect
	languageNote   *widget.Label // the language applies after a restart
	locks          map[string]*widget.Label

	problem *widget.Label // why the file could not be read, or saved
	policy  *widget.Label // why the administrator's policy is not applied
	save    *widget.Button
	cancel  *widget.Button
}

// shownSettings are the values the dialog compares against.
type shownSettings struct {
	browser, connectAtStart, logLevel, language string
	startAtLogin, autoReconnect                 bool
}

// ShowSettings shows m's settings over w; profiles are the user's, for
// connect at start. Save keeps the dialog open with the reason when the
// model refuses or cannot write, so nothing chosen is lost; Cancel drops
// the changes.
func ShowSettings(w fyne.Window, m *viewmodel.SettingsModel, profiles []string) {
	showSettings(w, m, profiles)
}

func showSettings(w fyne.Window, m *viewmodel.SettingsModel, profiles []string) *settingsForm {
	f := &settingsForm{m: m, locks: map[string]*widget.Label{}}
	f.cv = shownSettings{browser: m.Browser(), connectAtStart: m.ConnectAtStart(), logLevel: m.LogLevel(),
		language: m.Language(), startAtLogin: m.StartAtLogin(), autoReconnect: m.AutoReconnect()}

	f.problem = dangerLabel()
	if err := m.LoadError(); err != nil {
		// The defaults are shown; saving replaces the broken file.
		f.showProblem(err.Error())
	}
	f.policy = dangerLabel()
	if err := m.PolicyError(); err != nil {
		f.policy.SetText(i18n.TD("settings.policy_error", map[string]any{"Message": err.Error()}))
		f.policy.Show()
	}

	f.startAtLogin = widget.NewCheck(i18n.T("settings.start_at_login"), nil)
	f.startAtLogin.SetChecked(f.cv.startAtLogin)
	f.autoReconnect = widget.NewCheck(i18n.T("settings.auto_reconnect"), nil)
	f.autoReconnect.SetChecked(f.cv.autoReconnect)
	f.connectAtStart = newChoiceSelect(profileChoices(profiles), f.cv.connectAtStart)
	f.logLevel = newChoiceSelect(logLevelChoices(), f.cv.logLevel)
	f.language = newChoiceSelect(languageChoices(), f.cv.language)
	f.languageNote = widget.NewLabel(i18n.T("settings.language.restart"))
	f.languageNote.Wrapping = fyne.TextWrapWord
	f.languageNote.Importance = widget.WarningImportance
	f.languageNote.Hide()
	f.language.OnChanged = func(string) {
		if f.language.Value() != f.cv.language {
			f.languageNote.Show()
		} else {
			f.languageNote.Hide()
		}
	}
	f.browser = widget.NewEntry()
	f.browser.SetPlaceHolder(i18n.T("settings.browser.placeholder"))
	f.browser.SetText(f.cv.browser)

	content := container.NewVBox(f.problem, f.policy,
		f.row(policy.KeyStartAtLogin, "", f.startAtLogin, ""),
		f.row(policy.KeyAutoReconnect, "", f.autoReconnect, ""),
		f.row(policy.KeyConnectAtStart, i18n.T("settings.connect_at_start"), f.connectAtStart, ""),
		f.row(policy.KeyLogLevel, i18n.T("settings.log_level"), f.logLevel, i18n.T("settings.log_level.hint")),
		f.row(policy.KeyLanguage, i18n.T("settings.language"), f.language, ""),
		f.languageNote,
		f.row(policy.KeyBrowser, i18n.T("settings.browser"), f.browser, i18n.T("settings.browser.hint")))

	f.d = dialog.NewCustomWithoutButtons(i18n.T("settings.title"), container.NewVScroll(content), w)
	f.save = widget.NewButton(i18n.T("action.save"), f.apply)
	f.save.Importance = widget.HighImportance
	f.cancel = widget.NewButton(i18n.T("action.cancel"), f.d.Hide)
	f.d.SetButtons([]fyne.CanvasObject{f.cancel, f.save})
	f.browser.OnSubmitted = func(string) { f.apply() }
	f.d.Resize(fyne.NewSize(520, min(content.MinSize().Height+f.d.MinSize().Height, 640)))
	f.d.Show()
	return f
}

func dangerLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

// changes are the edits of unlocked rows. A broken file is replaced by
// saving the browser command even unchanged, so Save always writes one.
func (f *settingsForm) changes() (c viewmodel.Changes, changed bool) {
	unlocked := func(key string) bool { locked, _ := f.m.Locked(key); return !locked }
	str := func(key, now, was string, dst **string) {
		if unlocked(key) && now != was {
			*dst, changed = &now, true
		}
	}
	flag := func(key string, now, was bool, dst **bool) {
		if unlocked(key) && now != was {
			*dst, changed = &now, true
		}
	}
	str(policy.KeyBrowser, f.browser.Text, f.cv.browser, &c.Browser)
	str(policy.KeyConnectAtStart, f.connectAtStart.Value(), f.cv.connectAtStart, &c.ConnectAtStart)
	str(policy.KeyLogLevel, f.logLevel.Value(), f.cv.logLevel, &c.LogLevel)
	str(policy.KeyLanguage, f.language.Value(), f.cv.language, &c.Language)
	flag(policy.KeyStartAtLogin, f.startAtLogin.Checked, f.cv.startAtLogin, &c.StartAtLogin)
	flag(policy.KeyAutoReconnect, f.autoReconnect.Checked, f.cv.autoReconnect, &c.AutoReconnect)
	if f.m.LoadError() != nil && c.Browser == nil && unlocked(policy.KeyBrowser) {
		b := f.browser.Text
		c.Browser, changed = &b, true
	}
	return c, changed
}

// apply saves what changed and closes the dialog, or says why not.
func (f *settingsForm) apply() {
	if c, changed := f.changes(); changed {
		if err := f.m.Apply(c); err != nil {
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
