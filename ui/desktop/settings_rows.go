package desktop

import (
	_ "embed"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/usersession"
)

// The settings dialog's rows: a setting's widget, and under it, when the
// administrator's policy sets it, a lock and who set it. A locked row's
// widget is disabled and shows the policy's value, so the dialog never
// offers a change that Save would refuse.

//go:embed icons/settings-lock.svg
var lockSVG []byte

// lockIcon is themed, so it follows the text's colour in dark themes.
var lockIcon = theme.NewThemedResource(fyne.NewStaticResource("settings-lock.svg", lockSVG))

// lockable is a widget a policy can lock.
type lockable interface {
	fyne.CanvasObject
	Disable()
}

// row lays out one setting: its title (none for a check box, which says
// it itself), its widget, a hint, and the lock note when locked.
func (f *settingsForm) row(key, title string, w lockable, hint string) fyne.CanvasObject {
	box := container.NewVBox()
	if title != "" {
		box.Add(widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	}
	box.Add(w)
	if hint != "" {
		h := widget.NewLabel(hint)
		h.Wrapping = fyne.TextWrapWord
		h.SizeName = theme.SizeNameCaptionText
		box.Add(h)
	}
	if locked, source := f.m.Locked(key); locked {
		w.Disable()
		note := widget.NewLabel(i18n.TD("settings.locked.by", map[string]any{"Source": source}))
		note.SizeName = theme.SizeNameCaptionText
		icon := canvas.NewImageFromResource(lockIcon)
		icon.SetMinSize(fyne.NewSquareSize(theme.IconInlineSize()))
		icon.FillMode = canvas.ImageFillContain
		box.Add(container.NewHBox(icon, note))
		f.locks[key] = note
	}
	return box
}

// choice is one entry of a select: what it shows and the value it means.
type choice struct{ label, value string }

// choiceSelect is a select over choices, set to the one whose value is
// cur; a cur not among them (a profile since removed, say) is added, so
// the dialog shows what is in effect rather than a blank.
type choiceSelect struct {
	*widget.Select
	choices []choice
}

func newChoiceSelect(choices []choice, cur string) *choiceSelect {
	found := false
	for _, c := range choices {
		found = found || c.value == cur
	}
	if !found {
		choices = append(choices, choice{cur, cur})
	}
	labels := make([]string, len(choices))
	for i, c := range choices {
		labels[i] = c.label
	}
	s := &choiceSelect{Select: widget.NewSelect(labels, nil), choices: choices}
	for _, c := range choices {
		if c.value == cur {
			s.SetSelected(c.label)
		}
	}
	return s
}

// Value is the selected choice's value.
func (s *choiceSelect) Value() string {
	for _, c := range s.choices {
		if c.label == s.Selected {
			return c.value
		}
	}
	return ""
}

// profileChoices are "none" and the user's profiles, for connect at start.
func profileChoices(profiles []string) []choice {
	out := []choice{{i18n.T("settings.connect_at_start.none"), ""}}
	for _, p := range profiles {
		out = append(out, choice{p, p})
	}
	return out
}

func logLevelChoices() []choice {
	return []choice{
		{i18n.T("settings.log_level.info"), usersession.LogInfo},
		{i18n.T("settings.log_level.debug"), usersession.LogDebug},
	}
}

func languageChoices() []choice {
	var out []choice
	for _, l := range i18n.Languages() {
		out = append(out, choice{l.Name, l.Tag})
	}
	return out
}
