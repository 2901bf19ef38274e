package desktop

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// details is the right-hand pane: the selected profile's connection in
// full, and the one button that does the obvious thing with it. Its
// widgets are made once and only their text changes, so the once-a-second
// redraw of a connected tunnel costs a few label updates.
type details struct {
	title   *widget.Label
	primary *widget.Button
	// note says why the profile is locked or cannot be used.
	note   *widget.Label
	values map[string]*widget.Label // by the catalog key of its caption
	body   *fyne.Container
	empty  *widget.Label
	root   *fyne.Container
}

// detailKeys are the rows of the pane, in order, by their caption's key.
var detailKeys = []string{
	"details.state", "details.endpoint", "details.transport", "details.auth_mode", "details.address",
	"details.connected_time", "details.bytes_in", "details.bytes_out", "details.cipher", "details.dns",
}

func newDetails(onPrimary func()) *details {
	d := &details{
		title:   widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		primary: widget.NewButton(i18n.T("action.connect"), onPrimary),
		note:    widget.NewLabel(""),
		values:  map[string]*widget.Label{},
		empty:   widget.NewLabel(i18n.T("main.select_profile")),
	}
	d.primary.Importance = widget.HighImportance
	d.note.Wrapping = fyne.TextWrapWord
	d.note.Hide()
	form := container.New(layout.NewFormLayout())
	for _, key := range detailKeys {
		caption := widget.NewLabelWithStyle(i18n.T(key), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		value := widget.NewLabel("")
		value.Truncation = fyne.TextTruncateEllipsis
		value.Selectable = true
		d.values[key] = value
		form.Add(caption)
		form.Add(value)
	}
	// The name and the one action head the pane, outside the scroll, so
	// Connect is in sight however small the window.
	header := container.NewBorder(nil, nil, nil, d.primary, d.title)
	d.body = container.NewBorder(header, nil, nil, nil, container.NewVScroll(container.NewVBox(form, d.note)))
	d.body.Hide()
	d.root = container.NewStack(container.NewCenter(d.empty), d.body)
	return d
}

// show draws the selected row of v (or the hint to select one) as of now.
func (d *details) show(v viewmodel.View, now time.Time) {
	r, ok := selectedRow(v)
	if !ok {
		d.body.Hide()
		d.empty.SetText(i18n.T(emptyKey(v)))
		d.empty.Show()
		return
	}
	d.empty.Hide()
	setText(d.title, r.Name)
	connected := r.State == api.StateConnected
	d.set("details.state", stateText(r))
	d.set("details.endpoint", orNone(r.Endpoint))
	d.set("details.transport", transportText(r.Transport))
	d.set("details.auth_mode", authText(r.AuthMode))
	d.set("details.address", orNone(r.Address))
	d.set("details.cipher", orNone(r.Cipher))
	d.set("details.dns", orNone(r.DNS))
	in, out, since := i18n.T("details.none"), i18n.T("details.none"), i18n.T("details.none")
	if connected {
		in, out = sizeText(r.BytesIn), sizeText(r.BytesOut)
		if !r.ConnectedSince.IsZero() {
			since = durationText(now.Sub(r.ConnectedSince))
		}
	}
	d.set("details.bytes_in", in)
	d.set("details.bytes_out", out)
	d.set("details.connected_time", since)
	if text := i18n.T(primaryKeys[v.Primary]); d.primary.Text != text {
		d.primary.SetText(text)
	}
	if v.PrimaryEnabled {
		d.primary.Enable()
	} else {
		d.primary.Disable()
	}
	switch {
	case r.Problem != "":
		setText(d.note, i18n.TD("details.problem", map[string]any{"Problem": r.Problem}))
		d.note.Show()
	case r.Managed:
		setText(d.note, i18n.T("profile.managed.locked"))
		d.note.Show()
	default:
		d.note.Hide()
	}
	d.body.Show()
}

// set changes the value of the row key.
func (d *details) set(key, text string) { setText(d.values[key], text) }

// setText changes a label only when its text differs: Fyne refreshes a
// label on every SetText, and most values stand still while the counters
// move once a second.
func setText(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}

// primaryKeys are the button's words for each action.
var primaryKeys = map[viewmodel.Action]string{
	viewmodel.ActionConnect:    "action.connect",
	viewmodel.ActionDisconnect: "action.disconnect",
	viewmodel.ActionCancel:     "action.cancel",
}

// emptyKey is what the pane says with nothing selected: why the list is
// empty when it is, else to pick a profile.
func emptyKey(v viewmodel.View) string {
	switch {
	case v.ServiceDown && len(v.Rows) == 0:
		return "main.service_wait"
	case len(v.Rows) == 0:
		return "main.empty"
	}
	return "main.select_profile"
}

// selectedRow is the row v selects, if any.
func selectedRow(v viewmodel.View) (viewmodel.Row, bool) {
	for _, r := range v.Rows {
		if r.Name == v.Selected && v.Selected != "" {
			return r, true
		}
	}
	return viewmodel.Row{}, false
}
