package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/policy"
)

// The guard (the administrator's policy) is asked once per change, with
// the change's own key: a rename is an edit, not an import and a removal.
func TestGuard(t *testing.T) {
	no := false
	forbid := func(keys ...policy.Action) Guard {
		p := &policy.Policy{Source: "/etc/cvpn/policy.json"}
		for _, k := range keys {
			switch k {
			case OpImport:
				p.AllowImport = &no
			case OpEdit:
				p.AllowEdit = &no
			case OpRemove:
				p.AllowRemove = &no
			}
		}
		return p.Allow
	}
	src := filepath.Join("testdata", "generic-remotes.ovpn")
	tests := []struct {
		name   string
		guard  Guard
		change func(s *Store) error
		want   Op // "" for allowed
	}{
		{"import allowed", forbid(OpEdit, OpRemove), func(s *Store) error { _, err := s.Import(src, "new"); return err }, ""},
		{"import forbidden", forbid(OpImport), func(s *Store) error { _, err := s.Import(src, "new"); return err }, OpImport},
		{"replace is an edit", forbid(OpEdit), func(s *Store) error { _, err := s.Import(src, "mine", Overwrite()); return err }, OpEdit},
		{"remove forbidden", forbid(OpRemove), func(s *Store) error { return s.Remove("mine") }, OpRemove},
		{"remove allowed", forbid(OpImport, OpEdit), func(s *Store) error { return s.Remove("mine") }, ""},
		{"rename forbidden", forbid(OpEdit), func(s *Store) error { return s.Rename("mine", "yours") }, OpEdit},
		{"rename needs no import or remove", forbid(OpImport, OpRemove), func(s *Store) error { return s.Rename("mine", "yours") }, ""},
		{"rename of case", forbid(OpImport, OpRemove), func(s *Store) error { return s.Rename("mine", "Mine") }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, user, _ := newTestStore(t)
			if _, err := s.Import(src, "mine"); err != nil {
				t.Fatal(err)
			}
			s.SetGuard(tt.guard)
			err := tt.change(s)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, policy.ErrForbidden) {
				t.Fatalf("error %v, want the policy's refusal", err)
			}
			if want := string(tt.want) + " is false in /etc/cvpn/policy.json"; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q, want it to say %q", err, want)
			}
			names, _ := os.ReadDir(user)
			if len(names) != 1 || names[0].Name() != "mine.ovpn" {
				t.Errorf("a refused change touched the store: %v", names)
			}
		})
	}
}
