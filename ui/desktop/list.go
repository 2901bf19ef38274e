package desktop

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// profileList is the left-hand pane: every profile with its live state,
// the administrator's marked "Managed", and under it the actions on the
// selected one. Rename and Remove are disabled for a locked row rather
// than refused after a click: the user sees at once that they do not
// apply.
type profileList struct {
	list    *widget.List
	rows    []viewmodel.Row // what the list draws; replaced on each redraw
	hint    *widget.Label   // the drop hint under the list, always shown: few users guess it
	add     *widget.Button
	rename  *widget.Button
	remove  *widget.Button
	check   *widget.Button
	root    *fyne.Container
	onPick  func(name string)
	syncing bool // the list is being made to match the model, not the user
}

// listActions are what the buttons under the list do.
type listActions struct {
	importFile, rename, remove, check func()
}

func newProfileList(pick func(name string), a listActions) *profileList {
	p := &profileList{onPick: pick}
	p.list = widget.NewList(func() int { return len(p.rows) }, newRowItem, p.updateItem)
	p.list.OnSelected = func(id widget.ListItemID) {
		if !p.syncing && id >= 0 && id < len(p.rows) {
			p.onPick(p.rows[id].Name)
		}
	}
	p.add = widget.NewButtonWithIcon(i18n.T("profile.import"), theme.ContentAddIcon(), a.importFile)
	p.rename = widget.NewButtonWithIcon(i18n.T("profile.rename"), theme.DocumentCreateIcon(), a.rename)
	p.remove = widget.NewButtonWithIcon(i18n.T("profile.remove"), theme.DeleteIcon(), a.remove)
	p.check = widget.NewButtonWithIcon(i18n.T("profile.check"), theme.ConfirmIcon(), a.check)
	p.hint = widget.NewLabelWithStyle(i18n.T("main.drop_hint"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	p.hint.Wrapping = fyne.TextWrapWord
	p.hint.Importance = widget.LowImportance
	title := widget.NewLabelWithStyle(i18n.T("main.profiles"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	buttons := container.NewGridWithColumns(2, p.add, p.check, p.rename, p.remove)
	p.root = container.NewBorder(title, container.NewVBox(p.hint, buttons), nil, nil, p.list)
	return p
}

// rowItem is one line of the list: an icon for the state, the name, the
// managed mark, and the state in words.
type rowItem struct {
	widget.BaseWidget
	icon    *widget.Icon
	name    *widget.Label
	managed *widget.Label
	state   *widget.Label
}

func newRowItem() fyne.CanvasObject {
	r := &rowItem{
		icon:    widget.NewIcon(theme.RadioButtonIcon()),
		name:    widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		managed: widget.NewLabel(i18n.T("profile.managed")),
		state:   widget.NewLabel(""),
	}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.managed.Importance = widget.LowImportance
	r.ExtendBaseWidget(r)
	return r
}

func (r *rowItem) CreateRenderer() fyne.WidgetRenderer {
	right := container.NewHBox(r.managed, r.state)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.icon, right, r.name))
}

func (p *profileList) updateItem(id widget.ListItemID, o fyne.CanvasObject) {
	if id < 0 || id >= len(p.rows) {
		return
	}
	row, item := p.rows[id], o.(*rowItem)
	item.name.SetText(row.Name)
	item.state.SetText(stateText(row))
	item.icon.SetResource(stateIcon(row))
	if row.Managed {
		item.managed.SetText(i18n.T("profile.managed"))
		item.managed.Show()
	} else {
		item.managed.Hide()
	}
}

// stateIcon is the row's state at a glance: filled when up, a clock on the
// way up, a warning when the profile cannot be used.
func stateIcon(r viewmodel.Row) fyne.Resource {
	switch {
	case r.State == api.StateConnected:
		return theme.RadioButtonCheckedIcon()
	case r.Busy():
		return theme.HistoryIcon()
	case r.Problem != "":
		return theme.WarningIcon()
	case r.Managed:
		return theme.LoginIcon()
	}
	return theme.RadioButtonIcon()
}

// show draws v's rows and selection and enables the actions the selected
// row allows.
func (p *profileList) show(v viewmodel.View) {
	p.rows = v.Rows
	p.syncing = true
	p.list.Refresh()
	if i := indexOf(v.Rows, v.Selected); i >= 0 {
		p.list.Select(i)
	} else {
		p.list.UnselectAll()
	}
	p.syncing = false
	r, ok := selectedRow(v)
	idle := ok && !r.Busy() && r.State != api.StateConnected
	enable(p.add, v.Forbidden.Import == "")
	enable(p.rename, ok && !r.Locked() && v.Forbidden.Edit == "")
	enable(p.remove, ok && !r.Locked() && idle && v.Forbidden.Remove == "")
	enable(p.check, ok && r.Path != "")
	// The hint says why buttons are off when the policy turned them off:
	// a disabled button alone does not say who decided.
	hint := i18n.T("main.drop_hint")
	if reasons := policyReasons(v.Forbidden); reasons != "" {
		hint = i18n.TD("profile.policy_forbids", map[string]any{"Reasons": reasons})
	}
	setText(p.hint, hint)
}

// policyReasons joins the policy's refusals, one per line.
func policyReasons(f viewmodel.Forbidden) string {
	var out []string
	for _, r := range []string{f.Import, f.Edit, f.Remove} {
		if r != "" {
			out = append(out, r)
		}
	}
	return strings.Join(out, "\n")
}

func indexOf(rows []viewmodel.Row, name string) int {
	for i, r := range rows {
		if r.Name == name && name != "" {
			return i
		}
	}
	return -1
}

func enable(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}
