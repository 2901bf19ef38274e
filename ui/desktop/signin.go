package desktop

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// The sign-in dialog: the Model's oldest waiting question, drawn over the
// main window, one at a time. The Model decides what is asked and where
// the answer goes (the keyring too, in this process): the dialog only
// collects what the user types and hands it to Answer or CancelSignIn.
// When the question goes away without the dialog (answered from the CLI,
// given up by the service, the connect stopped), the next redraw finds
// View.SignIn changed and closes it.

// signIn is the one sign-in dialog of a window. Touched on Fyne's
// goroutine only.
type signIn struct {
	parent fyne.Window
	m      *viewmodel.Model
	// reveal brings a hidden window back: a connect started from the tray
	// must not wait on a question nobody sees.
	reveal func()

	shown   *viewmodel.SignIn // the question on screen; nil when none
	dlg     dialog.Dialog
	closing bool // the view hides dlg itself: its callback must not answer

	// The dialog's parts, nil when it has none; the tests type into them.
	username, password, response *widget.Entry
	remember                     *widget.Check
	timeLeft, status             *widget.Label // the browser wait's
}

func newSignIn(parent fyne.Window, m *viewmodel.Model, reveal func()) *signIn {
	return &signIn{parent: parent, m: m, reveal: reveal}
}

// show draws s at now: nil closes the dialog, a new question replaces
// it, and the same one again only moves its time left.
func (d *signIn) show(s *viewmodel.SignIn, now time.Time) {
	switch {
	case s == nil:
		d.close()
		return
	case d.shown != nil && d.shown.ID == s.ID:
		d.showTimeLeft(now)
		return
	}
	d.close()
	q := *s
	d.shown = &q
	if q.Kind == viewmodel.SignInBrowser || q.Kind == viewmodel.SignInWebAuth {
		d.dlg = d.browserDialog(q, now)
	} else {
		d.dlg = d.formDialog(q)
	}
	d.reveal()
	d.dlg.Show()
	// Typing goes where the dialog asks first: a user who just clicked
	// Connect types the password without reaching for the mouse.
	if e := d.firstToFill(); e != nil {
		d.parent.Canvas().Focus(e)
	}
}

// firstToFill is the first entry still empty (the username may be known
// already), or nil for a dialog without entries.
func (d *signIn) firstToFill() *widget.Entry {
	for _, e := range []*widget.Entry{d.username, d.password, d.response} {
		if e != nil && e.Text == "" {
			return e
		}
	}
	return nil
}

// close hides the dialog without answering: the question is gone already.
func (d *signIn) close() {
	if d.dlg != nil {
		d.closing = true
		d.dlg.Hide()
		d.closing = false
	}
	*d = signIn{parent: d.parent, m: d.m, reveal: d.reveal}
}

// formDialog asks the questions of a dialog kind, with the parts q needs.
func (d *signIn) formDialog(q viewmodel.SignIn) dialog.Dialog {
	profile := map[string]any{"Profile": q.Profile}
	var title string
	var items []*widget.FormItem
	if q.Retry != "" {
		retry := q.Retry
		if q.Kind == viewmodel.SignInUserPass || q.Kind == viewmodel.SignInProxy {
			retry = i18n.T("signin.failed_retry")
		}
		items = append(items, textItem(retry, widget.DangerImportance))
	}
	switch q.Kind {
	case viewmodel.SignInUserPass:
		title = i18n.TD("signin.title", profile)
		items = append(items, d.credentials(q)...)
		if q.Challenge != "" {
			items = append(items, d.challenge(q)...)
		}
		if q.AskPassword {
			items = append(items, d.rememberItem("signin.remember"))
		}
	case viewmodel.SignInCode:
		title = i18n.T("signin.challenge.title")
		items = append(items, d.challenge(q)...)
	case viewmodel.SignInPassphrase:
		title = i18n.T("signin.passphrase.title")
		d.password = widget.NewPasswordEntry()
		items = append(items, textItem(i18n.TD("signin.passphrase.label", profile), widget.MediumImportance),
			widget.NewFormItem(i18n.T("signin.passphrase"), d.password), d.rememberItem("signin.passphrase.remember"))
	case viewmodel.SignInProxy:
		title = i18n.T("signin.proxy.title")
		q.AskUsername, q.AskPassword = true, true
		items = append(items, textItem(i18n.TD("signin.proxy.label", map[string]any{"Proxy": q.Proxy}), widget.MediumImportance))
		items = append(items, d.credentials(q)...)
	}
	id := q.ID
	fd := dialog.NewForm(title, i18n.T("signin.submit"), i18n.T("action.cancel"), items, func(ok bool) {
		if d.closing {
			return
		}
		a := d.answer(q)
		d.close()
		if ok {
			// ErrNoSignIn: answered elsewhere meanwhile; the redraw
			// that follows shows what is asked now.
			_ = d.m.Answer(id, a)
			return
		}
		d.m.CancelSignIn(id)
	}, d.parent)
	for _, e := range []*widget.Entry{d.username, d.password, d.response} {
		if e != nil {
			e.OnSubmitted = func(string) { fd.Submit() }
		}
	}
	fd.Resize(fyne.NewSize(420, fd.MinSize().Height))
	return fd
}

// credentials are the username (an entry when asked, else the known
// name shown) and the password.
func (d *signIn) credentials(q viewmodel.SignIn) []*widget.FormItem {
	var items []*widget.FormItem
	if q.AskUsername {
		d.username = widget.NewEntry()
		d.username.SetText(q.Username)
		items = append(items, widget.NewFormItem(i18n.T("signin.username"), d.username))
	} else if q.Username != "" {
		items = append(items, widget.NewFormItem(i18n.T("signin.username"), widget.NewLabel(q.Username)))
	}
	if q.AskPassword {
		d.password = widget.NewPasswordEntry()
		items = append(items, widget.NewFormItem(i18n.T("signin.password"), d.password))
	}
	return items
}

// challenge is a challenge's question and the entry for its answer,
// hidden while typed unless the server said it may be shown.
func (d *signIn) challenge(q viewmodel.SignIn) []*widget.FormItem {
	text := q.Challenge
	if text == "" {
		text = i18n.T("signin.challenge.hint")
	}
	d.response = widget.NewEntry()
	if !q.Echo {
		d.response = widget.NewPasswordEntry()
	}
	return []*widget.FormItem{textItem(text, widget.MediumImportance),
		widget.NewFormItem(i18n.T("signin.challenge.response"), d.response)}
}

func (d *signIn) rememberItem(key string) *widget.FormItem {
	d.remember = widget.NewCheck(i18n.T(key), nil)
	item := widget.NewFormItem("", d.remember)
	item.HintText = i18n.T("signin.remember.hint")
	return item
}

// answer is what the user typed into the parts of q's dialog.
func (d *signIn) answer(q viewmodel.SignIn) viewmodel.SignInAnswer {
	a := viewmodel.SignInAnswer{Username: q.Username}
	if d.username != nil {
		a.Username = d.username.Text
	}
	if d.password != nil {
		a.Password = d.password.Text
	}
	if d.response != nil {
		a.Response = d.response.Text
	}
	if d.remember != nil {
		a.Remember = d.remember.Checked
	}
	return a
}

// textItem is a line of words across the form.
func textItem(text string, importance widget.Importance) *widget.FormItem {
	l := widget.NewLabel(text)
	l.Wrapping, l.Importance = fyne.TextWrapWord, importance
	return widget.NewFormItem("", l)
}

// reveal shows a hidden window for a new sign-in, without a redraw of
// its own: it is called from one.
func (w *Window) reveal() {
	if w.hidden {
		w.hidden = false
		w.win.Show()
	}
}
