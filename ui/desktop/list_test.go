package desktop

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

// selectRow taps the list's row for name, as a user picks a profile.
func (h *harness) selectRow(name string) {
	h.t.Helper()
	h.waitFor(name+" listed", func() bool { return h.rowTexts(name) != nil })
	h.w.list.list.Select(indexOf(h.w.list.rows, name))
	h.waitFor(name+" selected", func() bool { return h.w.details.title.Text == name })
}

// An administrator's profile is marked in the list, says why in the
// details, and cannot be renamed or removed; a user's profile can.
func TestManagedProfileIsMarkedAndLocked(t *testing.T) {
	h := start(t, viewmodeltest.Entry("corp", true), viewmodeltest.Entry("home", false))
	for _, c := range []struct {
		name      string
		locked    bool
		wantMark  bool
		wantNote  bool
		wantCheck bool
	}{
		{name: "corp", locked: true, wantMark: true, wantNote: true, wantCheck: true},
		{name: "home", locked: false, wantMark: false, wantNote: false, wantCheck: true},
	} {
		h.selectRow(c.name)
		if got := contains(h.rowTexts(c.name), "Managed"); got != c.wantMark {
			t.Errorf("%s: marked %v, want %v (row %q)", c.name, got, c.wantMark, h.rowTexts(c.name))
		}
		if h.w.list.rename.Disabled() != c.locked || h.w.list.remove.Disabled() != c.locked {
			t.Errorf("%s: rename disabled=%v remove disabled=%v, want %v", c.name,
				h.w.list.rename.Disabled(), h.w.list.remove.Disabled(), c.locked)
		}
		if h.w.list.check.Disabled() == c.wantCheck {
			t.Errorf("%s: check disabled=%v", c.name, h.w.list.check.Disabled())
		}
		note := h.w.details.note.Visible() && h.w.details.note.Text == "This profile is managed by your administrator and cannot be renamed or removed."
		if note != c.wantNote {
			t.Errorf("%s: locked note shown %v, want %v", c.name, note, c.wantNote)
		}
		if h.w.details.primary.Disabled() {
			t.Errorf("%s: a managed profile must still connect", c.name)
		}
	}
	// A tap that reaches a locked row anyway (a stale view) changes nothing.
	h.selectRow("corp")
	h.w.rename()
	h.w.remove()
	if top := h.w.win.Canvas().Overlays().Top(); top != nil {
		t.Errorf("a dialog opened for a managed profile: %q", texts(top))
	}
	if calls := h.b.Calls(); len(calls) != 0 {
		t.Errorf("backend calls for a managed profile: %q", calls)
	}
}

// Rename and Remove go through their dialogs' real buttons.
func TestRenameAndRemove(t *testing.T) {
	h := start(t, viewmodeltest.Entry("home", false))
	h.selectRow("home")

	test.Tap(h.w.list.rename)
	var entry *widget.Entry
	for _, o := range visible(h.overlay()) {
		if e, ok := o.(*widget.Entry); ok {
			entry = e
		}
	}
	if entry == nil || entry.Text != "home" {
		t.Fatalf("rename dialog without the name to edit: %q", texts(h.overlay()))
	}
	entry.SetText("")
	test.Type(entry, "lab")
	h.tapButton(h.overlay(), "Save")
	h.waitFor("home renamed lab", func() bool { return h.w.details.title.Text == "lab" })
	if h.rowTexts("home") != nil {
		t.Error("the old name is still listed")
	}

	test.Tap(h.w.list.remove)
	if got := texts(h.overlay()); !containsPart(got, "The profile lab and its saved password are deleted") {
		t.Fatalf("remove dialog says %q", got)
	}
	h.tapButton(h.overlay(), "Yes")
	h.waitFor("the list empty", func() bool { return len(h.w.list.rows) == 0 && h.w.details.empty.Visible() })
	if want := []string{"rename home lab", "remove lab"}; !slices.Equal(h.b.Calls(), want) {
		t.Errorf("backend calls %q, want %q", h.b.Calls(), want)
	}
}

// Check shows each problem in words with its line.
func TestCheckShowsProblemsWithLines(t *testing.T) {
	for _, c := range []struct {
		name     string
		problems []profile.Problem
		want     []string
	}{
		{name: "clean", want: []string{"home has no problems."}},
		{name: "broken", problems: []profile.Problem{
			{Line: 3, Severity: profile.SeverityError, Message: "unknown directive \"remote-cert-tls2\"", Fix: "remove the line"},
			{Line: 0, Severity: profile.SeverityError, Message: "no <ca> certificate"},
		}, want: []string{"2 problems found", "Line 3: unknown directive \"remote-cert-tls2\"", "remove the line", "no <ca> certificate"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := start(t, viewmodeltest.Entry("home", false))
			h.b.SetProblems(c.problems...)
			h.selectRow("home")
			test.Tap(h.w.list.check)
			got := texts(h.overlay())
			for _, w := range c.want {
				if !contains(got, w) {
					t.Errorf("check dialog lacks %q: %q", w, got)
				}
			}
			if !contains(got, "Check home") {
				t.Errorf("check dialog title: %q", got)
			}
			if calls := h.b.Calls(); !slices.Equal(calls, []string{"check /profiles/home.ovpn"}) {
				t.Errorf("backend calls %q", calls)
			}
		})
	}
}

// Files dropped on the window are imported; what is not a profile is
// named in the banner, and wins it over the news of the import.
func TestDropImportsProfiles(t *testing.T) {
	h := start(t, viewmodeltest.Entry("home", false))
	h.w.dropped(fyne.NewPos(10, 10), []fyne.URI{
		storage.NewFileURI("/tmp/drop/lab.ovpn"),
		storage.NewFileURI("/tmp/drop/notes.txt"),
		storage.NewFileURI("/tmp/drop/office.CONF"),
	})
	h.waitFor("lab and office listed", func() bool { return h.rowTexts("lab") != nil && h.rowTexts("office") != nil })
	if got := h.w.banner.cause.Text; got != "notes.txt is not a .ovpn profile." {
		t.Errorf("banner: %q", got)
	}
	want := []string{"import /tmp/drop/lab.ovpn", "import /tmp/drop/office.CONF"}
	if got := h.b.Calls(); !slices.Equal(got, want) {
		t.Errorf("backend calls %q, want %q", got, want)
	}

	// A name taken says so, with what to do.
	h.w.dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI("/tmp/again/home.ovpn")})
	h.waitFor("the banner", func() bool { return h.w.banner.root.Visible() })
	if got := texts(h.w.banner.root); !contains(got, "A profile named home already exists.") ||
		!contains(got, "Rename the profile you have, or import the file under another file name.") {
		t.Errorf("banner for a taken name: %q", got)
	}
}

// The Import button opens Fyne's file dialog by default.
func TestImportOpensTheFileDialog(t *testing.T) {
	h := startWith(t, Options{ChooseFile: chooseProfileFile})
	t.Setenv("HOME", t.TempDir()) // the dialog lists a folder: an empty one
	test.Tap(h.w.list.add)
	if got := texts(h.overlay()); !contains(got, "Open") || !contains(got, "Cancel") {
		t.Fatalf("file dialog: %q", got)
	}
	h.tapButton(h.overlay(), "Cancel")
	if len(h.b.Calls()) != 0 {
		t.Errorf("a canceled dialog imported: %q", h.b.Calls())
	}
}
