package desktop

import (
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// browserDialog is the wait of a SAML or web-auth sign-in: the browser
// answers, not the dialog, so it has no OK. The user may open the page
// again (a closed tab), copy its link (no browser at hand) or give up;
// a SAML wait shows the time left, which the window's once-a-second
// redraw moves while the window is shown.
func (d *signIn) browserDialog(q viewmodel.SignIn, now time.Time) dialog.Dialog {
	body := "signin.saml.body"
	if q.Kind == viewmodel.SignInWebAuth {
		body = "signin.webauth.body"
	}
	text := widget.NewLabel(i18n.T(body))
	text.Wrapping = fyne.TextWrapWord
	d.timeLeft = widget.NewLabel("")
	d.status = widget.NewLabel("")
	d.status.Wrapping, d.status.Importance = fyne.TextWrapWord, widget.LowImportance
	d.status.Hide()
	d.showTimeLeft(now)

	cd := dialog.NewCustomWithoutButtons(i18n.T("signin.saml.title"), container.NewVBox(text, d.timeLeft, d.status), d.parent)
	id, url := q.ID, q.URL
	cancel := widget.NewButton(i18n.T("action.cancel"), func() {
		d.close()
		// Declines the prompt and stops the connect, which closes the
		// sign-in listener.
		d.m.CancelSignIn(id)
	})
	open := widget.NewButton(i18n.T("signin.saml.open_again"), func() {
		err := d.m.OpenAgain(id)
		switch {
		case errors.Is(err, viewmodel.ErrNoSignIn):
			// finished meanwhile: the redraw that follows closes the dialog
		case err != nil:
			d.say(i18n.T("error.no_browser") + " " + i18n.T("error.no_browser.fix"))
		default:
			d.say("")
		}
	})
	open.Importance = widget.HighImportance
	copyLink := widget.NewButton(i18n.T("signin.saml.copy_link"), func() {
		fyne.CurrentApp().Clipboard().SetContent(url)
		d.say(i18n.T("signin.saml.link_copied"))
	})
	cd.SetButtons([]fyne.CanvasObject{cancel, copyLink, open})
	cd.Resize(fyne.NewSize(460, cd.MinSize().Height))
	return cd
}

// showTimeLeft moves the SAML wait's time left; waits without a
// deadline of ours (web-auth) show none.
func (d *signIn) showTimeLeft(now time.Time) {
	if d.timeLeft == nil || d.shown == nil {
		return
	}
	if d.shown.Deadline.IsZero() {
		d.timeLeft.Hide()
		return
	}
	d.timeLeft.SetText(i18n.TD("signin.saml.time_left", map[string]any{"Time": durationText(d.shown.TimeLeft(now))}))
}

// say shows what the last button did ("" hides it).
func (d *signIn) say(text string) {
	if d.status == nil {
		return
	}
	d.status.SetText(text)
	d.status.Hidden = text == ""
	d.status.Refresh()
}
