package desktop

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// banner is the strip above the split that says what went wrong and what
// to do about it, or what the service wants the user to know. It is part
// of the window rather than a dialog: an error the user has not read yet
// stays in view while they fix it.
type banner struct {
	icon    *widget.Icon
	cause   *widget.Label
	fix     *widget.Label
	detail  *widget.Label
	dismiss *widget.Button
	root    *fyne.Container
}

// message is one thing the banner says: a cause, a fix ("" for none) and
// the technical words behind it ("" when the cause says it all).
type message struct {
	cause, fix, detail string
	kind               messageKind
}

// messageKind sets the banner's icon, and which message wins the banner.
type messageKind int

const (
	kindError messageKind = iota
	kindWarning
	kindInfo
)

// icon is the kind's icon, looked up when drawn so it follows the theme.
func (k messageKind) icon() fyne.Resource {
	switch k {
	case kindWarning:
		return theme.WarningIcon()
	case kindInfo:
		return theme.InfoIcon()
	}
	return theme.ErrorIcon()
}

func newBanner(onDismiss func()) *banner {
	b := &banner{
		icon:    widget.NewIcon(theme.ErrorIcon()),
		cause:   widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		fix:     widget.NewLabel(""),
		detail:  widget.NewLabel(""),
		dismiss: widget.NewButtonWithIcon("", theme.CancelIcon(), onDismiss),
	}
	for _, l := range []*widget.Label{b.cause, b.fix, b.detail} {
		l.Wrapping = fyne.TextWrapWord
	}
	b.detail.Importance = widget.LowImportance
	b.root = container.NewBorder(nil, nil, container.NewCenter(b.icon), container.NewCenter(b.dismiss),
		container.NewVBox(b.cause, b.fix, b.detail))
	b.root.Hide()
	return b
}

// show draws m, or hides the banner for nil.
func (b *banner) show(m *message) {
	if m == nil {
		b.root.Hide()
		return
	}
	b.icon.SetResource(m.kind.icon())
	setOptional(b.cause, m.cause)
	setOptional(b.fix, m.fix)
	setOptional(b.detail, m.detail)
	b.root.Show()
}

func setOptional(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// errorMessage is the model's error in the user's language. The API's
// reason code picks the catalog's cause and fix; the service's own words
// go below as the details. A failure without a code (a refusal of the
// store, say) keeps the model's words, which are English.
func errorMessage(e *viewmodel.ErrorView) *message {
	switch {
	case e.ServiceDown:
		return &message{cause: i18n.T("error.service_not_running"), fix: i18n.ServiceStartFix()}
	case e.Reason != "":
		return &message{cause: i18n.ReasonCause(e.Reason), fix: i18n.ReasonFix(e.Reason), detail: e.Message}
	}
	return &message{cause: e.Message, fix: e.Advice}
}

// actionMessage is what the window says when an action of its own (an
// import, a rename, a removal) fails: its own words for the cause, the
// store's words as the details.
func actionMessage(cause string, err error) *message {
	m := &message{cause: cause, detail: err.Error(), kind: kindError}
	switch {
	case errors.Is(err, profile.ErrReadOnly):
		m.fix = i18n.T("profile.managed.locked")
	case errors.Is(err, profile.ErrExists):
		m.fix = i18n.T("profile.import.rename_hint")
	}
	return m
}
