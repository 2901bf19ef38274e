package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestPolicyShow(t *testing.T) {
	tests := []struct {
		name     string
		policy   string // "" for none
		args     []string
		wantCode int
		want     []string // lines in stdout
		wantErr  string   // in stderr
	}{
		{name: "no policy", args: []string{"policy", "show"},
			want: []string{"allow_import: true  (default)", "max_tunnels: 5  (default)", "allowed_servers: any server  (default)",
				"blocked_servers: none  (default)", "connect_at_start: not set (the user's choice)  (default)"}},
		{name: "set values name the file", policy: `{"allow_import": false, "max_tunnels": 2, "allowed_servers": ["*.example.com", "10.0.0.0/8"]}`,
			args: []string{"policy", "show"},
			want: []string{"allow_import: false  (POLICY)", "max_tunnels: 2  (POLICY)", "allowed_servers: *.example.com, 10.0.0.0/8  (POLICY)",
				"allow_edit: true  (default)"}},
		{name: "broken policy", policy: `{"max_tunnels": 9}`, args: []string{"policy", "show"}, wantCode: exitError,
			want:    []string{"max_tunnels: 5  (default)"},
			wantErr: "not applied, so nothing is locked: read policy POLICY: max_tunnels is 9; use a number from 1 to 5"},
		{name: "usage", args: []string{"policy", "show", "extra"}, wantCode: exitUsage, wantErr: "usage: cvpn policy show [--json]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := settingsEnv(t, tt.policy, false)
			code, out, errOut := runSettings(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.wantCode, errOut)
			}
			lines := strings.Split(out, "\n")
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "POLICY", pol)
				found := false
				for _, l := range lines {
					found = found || l == w
				}
				if !found {
					t.Errorf("no line %q in\n%s", w, out)
				}
			}
			if want := strings.ReplaceAll(tt.wantErr, "POLICY", pol); !strings.Contains(errOut, want) {
				t.Errorf("stderr %q, want %q", errOut, want)
			}
		})
	}
}

func TestPolicyShowJSON(t *testing.T) {
	pol := settingsEnv(t, `{"blocked_servers": ["203.0.113.0/24"], "auto_reconnect": false}`, false)
	code, out, errOut := runSettings(t, "policy", "show", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got policyJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Places) != 1 || got.Places[0] != pol || got.Error != "" {
		t.Errorf("places %v, error %q", got.Places, got.Error)
	}
	byKey := map[string]policySettingJSON{}
	for _, s := range got.Settings {
		byKey[s.Key] = s
	}
	if s := byKey["blocked_servers"]; !s.Set || s.Source != pol || len(s.Value.([]any)) != 1 {
		t.Errorf("blocked_servers %+v", s)
	}
	if s := byKey["auto_reconnect"]; !s.Set || s.Value != false {
		t.Errorf("auto_reconnect %+v", s)
	}
	if s := byKey["max_tunnels"]; s.Set || s.Source != sourceDefault || s.Value != float64(5) {
		t.Errorf("max_tunnels %+v", s)
	}
	if len(got.Settings) != 13 {
		t.Errorf("%d settings, want every key", len(got.Settings))
	}
}

// The profile commands are held to allow_import and allow_remove through
// the store (profile.PolicyGuard), with the reason and exit status 1.
func TestProfileCommandsUnderPolicy(t *testing.T) {
	tests := []struct {
		name, policy string
		args         []string
		wantCode     int
		wantErr      string
	}{
		{"import allowed", `{"allow_remove": false}`, []string{"profile", "import", testdata("aws-mutual.ovpn"), "--name", "new"}, exitOK, ""},
		{"import forbidden", `{"allow_import": false}`, []string{"profile", "import", testdata("aws-mutual.ovpn"), "--name", "new"}, exitError,
			"importing profiles is turned off (allow_import is false in POLICY): refused by your administrator's policy; ask your administrator"},
		{"remove forbidden", `{"allow_remove": false}`, []string{"profile", "remove", "corp"}, exitError, "removing profiles is turned off"},
		{"broken policy forbids nothing", `{"allow_remove": "no"}`, []string{"profile", "remove", "corp"}, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := settingsEnv(t, tt.policy, false)
			t.Setenv("CVPN_MANAGED_DIR", t.TempDir())
			setup := &app{stdout: io.Discard, stderr: io.Discard, store: storeFromEnv}
			if code := setup.run([]string{"profile", "import", testdata("aws-ad-mfa.ovpn"), "--name", "corp"}); code != exitOK &&
				!strings.Contains(tt.policy, `"allow_import": false`) {
				t.Fatalf("set-up import: exit %d", code)
			}
			var out, errb bytes.Buffer
			a := &app{stdout: &out, stderr: &errb, store: storeFromEnv}
			if code := a.run(tt.args); code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.wantCode, errb.String())
			}
			if want := strings.ReplaceAll(tt.wantErr, "POLICY", pol); !strings.Contains(errb.String(), want) {
				t.Errorf("stderr %q, want %q", errb.String(), want)
			}
		})
	}
}
