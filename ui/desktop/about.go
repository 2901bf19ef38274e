package desktop

import (
	_ "embed"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/ui/i18n"
)

// licensesTxt is scripts/gen-licenses.sh's list of the modules cvpn is
// built with: the dialog cannot read the module graph at run time, and a
// test keeps the file in step with go.mod.
//
//go:embed licenses.txt
var licensesTxt string

// license is one line of licenses.txt.
type license struct{ Module, Version, Name string }

// licenses parses licenses.txt: tab-separated module, version and
// licence; "#" lines are comments.
func licenses() []license {
	var out []license
	for _, line := range strings.Split(licensesTxt, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			continue // the test fails on such a line; the dialog skips it
		}
		out = append(out, license{Module: f[0], Version: f[1], Name: f[2]})
	}
	return out
}

// ShowAbout shows cvpn's version and build (the binary's, passed in by
// main from its link-time variables) and the licences of what it is built
// with, over w.
func ShowAbout(w fyne.Window, version, build string) {
	title := widget.NewLabelWithStyle("cvpn", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	desc := widget.NewLabel(i18n.T("about.description"))
	desc.Wrapping = fyne.TextWrapWord

	rows := container.NewGridWithColumns(3)
	for _, l := range licenses() {
		mod := widget.NewLabel(l.Module)
		mod.Truncation = fyne.TextTruncateEllipsis
		rows.Add(mod)
		rows.Add(widget.NewLabel(l.Version))
		rows.Add(widget.NewLabel(l.Name))
	}
	list := container.NewVScroll(rows)
	list.SetMinSize(fyne.NewSize(560, 260))

	top := container.NewVBox(
		title,
		widget.NewLabel(i18n.TD("about.version", map[string]any{"Version": version})),
		widget.NewLabel(i18n.TD("about.build", map[string]any{"Build": build})),
		desc,
		widget.NewLabelWithStyle(i18n.T("about.licenses"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel(i18n.T("about.licenses.intro")),
	)
	d := dialog.NewCustom(i18n.T("about.title"), i18n.T("action.close"), container.NewBorder(top, nil, nil, nil, list), w)
	d.Show()
}
