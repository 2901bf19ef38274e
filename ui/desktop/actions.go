package desktop

import (
	"errors"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/ui/i18n"
)

// The profile actions of the main window: import (file dialog and drag
// and drop), rename, remove and check. They call the Model at once, on
// Fyne's goroutine: each is a small file operation of the local store,
// not a call to the service.

// profileExts are the file names a profile may have.
var profileExts = []string{".ovpn", ".conf"}

// chooseProfileFile is Fyne's open dialog, showing profiles only.
func chooseProfileFile(parent fyne.Window, done func(path string)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return // canceled, or the dialog could not list the folder
		}
		path := r.URI().Path()
		_ = r.Close() // only the path is wanted: the store reads the file itself
		done(path)
	}, parent)
	d.SetFilter(storage.NewExtensionFileFilter(profileExts))
	d.Show()
}

func (w *Window) importFile() {
	if reason := w.m.View().Forbidden.Import; reason != "" {
		// The menu's Import is not disabled with the button: say why here
		// rather than open a file dialog whose choice would be refused.
		w.local = &message{cause: reason, kind: kindError}
		w.refresh()
		return
	}
	w.opts.ChooseFile(w.win, func(path string) {
		w.local = w.importPath(path)
		w.refresh()
	})
}

// dropped imports the profiles dropped on the window. The banner says
// how it went: a failure, if any, wins over the news of an import.
func (w *Window) dropped(_ fyne.Position, uris []fyne.URI) {
	var said *message
	for _, u := range uris {
		m := &message{cause: i18n.TD("profile.import.not_ovpn", map[string]any{"File": u.Name()}), kind: kindError}
		if isProfileFile(u.Path()) {
			m = w.importPath(u.Path())
		}
		if said == nil || m.kind < said.kind {
			said = m
		}
	}
	if said != nil {
		w.local = said
	}
	w.refresh()
}

func isProfileFile(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range profileExts {
		if ext == e {
			return true
		}
	}
	return false
}

// importPath stores the profile at path and returns what the banner says
// about it; the Model selects the new profile.
func (w *Window) importPath(path string) *message {
	file := filepath.Base(path)
	e, err := w.m.Import(path, "")
	switch {
	case errors.Is(err, profile.ErrExists):
		name := strings.TrimSuffix(file, filepath.Ext(file))
		return &message{cause: i18n.TD("profile.import.exists", map[string]any{"Name": name}),
			fix: i18n.T("profile.import.rename_hint"), detail: err.Error(), kind: kindError}
	case err != nil:
		return &message{cause: i18n.TD("profile.import.failed", map[string]any{"File": file, "Message": err.Error()}), kind: kindError}
	}
	m := &message{cause: i18n.TD("profile.import.done", map[string]any{"Name": e.Name}), kind: kindInfo}
	if n := len(e.Warnings); n > 0 {
		m.fix = i18n.TN("profile.import.warnings", n, nil)
	}
	return m
}

// rename asks for the selected profile's new name.
func (w *Window) rename() {
	r, ok := selectedRow(w.view)
	if !ok || r.Locked() {
		return
	}
	entry := widget.NewEntry()
	entry.SetText(r.Name)
	entry.Validator = func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(i18n.T("profile.name.empty"))
		}
		return nil
	}
	items := []*widget.FormItem{widget.NewFormItem(i18n.T("profile.rename.new_name"), entry)}
	d := dialog.NewForm(i18n.TD("profile.rename.title", map[string]any{"Name": r.Name}),
		i18n.T("action.save"), i18n.T("action.cancel"), items, func(ok bool) {
			to := strings.TrimSpace(entry.Text)
			if !ok || to == r.Name {
				return
			}
			if err := w.m.Rename(r.Name, to); err != nil {
				w.local = actionMessage(i18n.TD("profile.rename.failed", map[string]any{"Name": r.Name}), err)
			}
			w.refresh()
		}, w.win)
	d.Resize(fyne.NewSize(360, d.MinSize().Height))
	d.Show()
}

// remove deletes the selected profile once the user confirms.
func (w *Window) remove() {
	r, ok := selectedRow(w.view)
	if !ok || r.Locked() {
		return
	}
	name := map[string]any{"Name": r.Name}
	dialog.ShowConfirm(i18n.TD("profile.remove.title", name), i18n.TD("profile.remove.confirm", name), func(ok bool) {
		if !ok {
			return
		}
		if err := w.m.Remove(r.Name); err != nil {
			w.local = actionMessage(i18n.TD("profile.remove.failed", name), err)
		}
		w.refresh()
	}, w.win)
}

// check shows what is wrong with the selected profile's file, each
// problem with the line it is on, so the user (or their administrator)
// can find it in the file.
func (w *Window) check() {
	r, ok := selectedRow(w.view)
	if !ok || r.Path == "" {
		return
	}
	name := map[string]any{"Name": r.Name}
	problems, err := w.m.Check(r.Path)
	if err != nil {
		w.local = actionMessage(i18n.TD("profile.check.failed", name), err)
		w.refresh()
		return
	}
	box := container.NewVBox()
	if len(problems) == 0 {
		box.Add(widget.NewLabel(i18n.TD("profile.check.ok", name)))
	} else {
		box.Add(widget.NewLabelWithStyle(i18n.TN("profile.check.problems", len(problems), nil), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	}
	for _, p := range problems {
		text := p.Message
		if p.Line > 0 {
			text = i18n.TD("profile.check.line", map[string]any{"Line": p.Line, "Message": p.Message})
		}
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
		if p.Fix != "" {
			fix := widget.NewLabel(p.Fix)
			fix.Wrapping, fix.Importance = fyne.TextWrapWord, widget.LowImportance
			box.Add(fix)
		}
	}
	scroll := container.NewVScroll(box)
	scroll.SetMinSize(fyne.NewSize(420, 160))
	dialog.ShowCustom(i18n.TD("profile.check.title", name), i18n.T("action.close"), scroll, w.win)
}
