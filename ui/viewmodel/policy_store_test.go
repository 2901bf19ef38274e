package viewmodel_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// The desktop app's import, rename and remove go through the store, which
// asks the administrator's policy; the model passes the refusal and its
// reason to the view and changes nothing.
func TestModelChangesUnderPolicy(t *testing.T) {
	no := false
	tests := []struct {
		name   string
		pol    *policy.Policy
		change func(m *viewmodel.Model) error
		want   string
	}{
		{"import", &policy.Policy{AllowImport: &no, Source: "HKLM"}, func(m *viewmodel.Model) error {
			_, err := m.Import(filepath.Join("..", "..", "profile", "testdata", "aws-saml.ovpn"), "new")
			return err
		}, "importing profiles is turned off (allow_import is false in HKLM)"},
		{"rename", &policy.Policy{AllowEdit: &no, Source: "HKLM"}, func(m *viewmodel.Model) error { return m.Rename("corp", "work") },
			"changing profiles (rename, replace) is turned off (allow_edit is false in HKLM)"},
		{"remove", &policy.Policy{AllowRemove: &no, Source: "HKLM"}, func(m *viewmodel.Model) error { return m.Remove("corp") },
			"removing profiles is turned off (allow_remove is false in HKLM)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := profile.NewStore(t.TempDir(), t.TempDir())
			if _, err := store.Import(filepath.Join("..", "..", "profile", "testdata", "aws-mutual.ovpn"), "corp"); err != nil {
				t.Fatal(err)
			}
			store.SetGuard(tt.pol.Allow)
			m := viewmodel.New(&viewmodel.Service{Store: store}, viewmodel.Options{})
			if err := m.Refresh(); err != nil {
				t.Fatal(err)
			}
			// The view knows beforehand, so the window disables the action.
			f := m.View().Forbidden
			if got := f.Import + f.Edit + f.Remove; !strings.Contains(got, tt.want) {
				t.Errorf("View().Forbidden = %+v, want the reason %q", f, tt.want)
			}
			err := tt.change(m)
			if !errors.Is(err, policy.ErrForbidden) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if list, _ := store.List(); len(list) != 1 || list[0].Name != "corp" {
				t.Errorf("the store changed: %+v", list)
			}
		})
	}
}
