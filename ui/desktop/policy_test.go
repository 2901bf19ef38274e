package desktop

import (
	"strings"
	"testing"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

// Changes the administrator's policy turns off are disabled before a
// click, and the list says why; Import from the menu says why instead of
// opening a file dialog.
func TestPolicyTurnsProfileChangesOff(t *testing.T) {
	for _, c := range []struct {
		name                     string
		forbid                   []profile.Op
		add, rename, remove      bool // disabled
		wantHint                 string
		importRefusedWithMessage bool
	}{
		{name: "nothing forbidden", wantHint: "Drop .ovpn files here"},
		{name: "import", forbid: []profile.Op{profile.OpImport}, add: true,
			wantHint: "allow_import is turned off", importRefusedWithMessage: true},
		{name: "edit and remove", forbid: []profile.Op{profile.OpEdit, profile.OpRemove}, rename: true, remove: true,
			wantHint: "allow_remove is turned off"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := viewmodeltest.New(viewmodeltest.Entry("home", false))
			for _, op := range c.forbid {
				b.Forbid(op, true)
			}
			h := startBackend(t, Options{}, b)
			h.selectRow("home")
			h.waitFor("the policy drawn", func() bool { return strings.Contains(h.w.list.hint.Text, c.wantHint) })
			if h.w.list.add.Disabled() != c.add || h.w.list.rename.Disabled() != c.rename || h.w.list.remove.Disabled() != c.remove {
				t.Errorf("disabled: import %v rename %v remove %v; want %v %v %v", h.w.list.add.Disabled(),
					h.w.list.rename.Disabled(), h.w.list.remove.Disabled(), c.add, c.rename, c.remove)
			}
			h.chosen = "/tmp/new.ovpn"
			h.w.importFile() // as the menu's Import does
			h.waitFor("the import's outcome", func() bool { return h.w.local != nil })
			refused := h.w.local.kind == kindError && strings.Contains(h.w.local.cause, "ask your administrator")
			if refused != c.importRefusedWithMessage {
				t.Errorf("import said %+v; refused with the reason: %v, want %v", *h.w.local, refused, c.importRefusedWithMessage)
			}
			if got := h.b.Calls(); c.importRefusedWithMessage && len(got) != 0 {
				t.Errorf("a forbidden import reached the store: %q", got)
			}
		})
	}
}
