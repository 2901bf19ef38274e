package usersession

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/policy"
)

// diagnostics_include_profiles false leaves the profiles out of the
// bundle and says so in the facts; true or unset keeps them.
func TestCompleteBundlePolicy(t *testing.T) {
	no, yes := false, true
	tests := []struct {
		name         string
		set          *bool
		wantProfiles int
	}{
		{"not set", nil, 1},
		{"true", &yes, 1},
		{"false", &no, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := loadPolicy
			loadPolicy = func() (*policy.Policy, error) {
				return &policy.Policy{DiagnosticsIncludeProfiles: tt.set, Source: "/etc/cvpn/policy.json"}, nil
			}
			t.Cleanup(func() { loadPolicy = old })
			var svc bytes.Buffer
			if err := zip.NewWriter(&svc).Close(); err != nil {
				t.Fatal(err)
			}
			store := storeWithAWSProfile(t)
			out, info, err := CompleteBundle(svc.Bytes(), store, "1.2.3")
			if err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
			if err != nil {
				t.Fatal(err)
			}
			var profiles int
			var facts string
			for _, f := range zr.File {
				if strings.HasPrefix(f.Name, "profiles/") {
					profiles++
				}
				if f.Name == "client/facts.txt" {
					rc, _ := f.Open()
					b, _ := io.ReadAll(rc)
					rc.Close()
					facts = string(b)
				}
			}
			if profiles != tt.wantProfiles || info.Profiles != tt.wantProfiles {
				t.Errorf("%d profiles (info %d), want %d", profiles, info.Profiles, tt.wantProfiles)
			}
			const note = "profiles: left out by the administrator's policy (diagnostics_include_profiles is false in /etc/cvpn/policy.json)"
			if strings.Contains(facts, note) != (tt.wantProfiles == 0) {
				t.Errorf("facts %q; want the note only when left out", facts)
			}
		})
	}
}
