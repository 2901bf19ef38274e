package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/profile"
)

// TestProfileCheckJSON: scripts and the GUI get every finding with its
// place, severity and fix, errors and warnings in line order, and the
// exit status still says whether the profile is usable.
func TestProfileCheckJSON(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	saml, err := os.ReadFile(testdata("aws-saml.ovpn"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		path      string
		code      int
		valid     bool
		problems  []profile.Problem // compared on line, severity, directive
		summaryOK bool
	}{
		{"valid with warnings", write("ok.ovpn", "ncp-disable\nuser nobody\n"+string(saml)), exitOK, true,
			[]profile.Problem{{Line: 1, Severity: profile.SeverityWarning, Directive: "ncp-disable"},
				{Line: 2, Severity: profile.SeverityWarning, Directive: "user"}}, true},
		{"invalid", write("bad.ovpn", "remote vpn.example.com 1194\nncp-disable\nup /etc/up.sh\nclient\nauth-user-pass\n"), exitUsage, false,
			[]profile.Problem{{Line: 2, Severity: profile.SeverityWarning, Directive: "ncp-disable"},
				{Line: 3, Severity: profile.SeverityError, Directive: "up"},
				{Line: 0, Severity: profile.SeverityError, Directive: "ca"}}, false},
		{"missing file", filepath.Join(dir, "nope.ovpn"), exitError, false,
			[]profile.Problem{{Line: 0, Severity: profile.SeverityError}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			a := &app{stdout: &out, stderr: &errOut, store: storeFromEnv}
			code := a.run([]string{"profile", "check", "--json", tt.path})
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errOut.String())
			}
			var got struct {
				File     string            `json:"file"`
				Valid    bool              `json:"valid"`
				Problems []profile.Problem `json:"problems"`
				Summary  json.RawMessage   `json:"summary"`
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, out.String())
			}
			if got.Valid != tt.valid || (got.Summary != nil) != tt.summaryOK || got.File != filepath.Base(tt.path) {
				t.Errorf("valid %v summary %v file %q", got.Valid, got.Summary != nil, got.File)
			}
			if len(got.Problems) != len(tt.problems) {
				t.Fatalf("problems = %+v, want %d", got.Problems, len(tt.problems))
			}
			for i, w := range tt.problems {
				g := got.Problems[i]
				if g.Line != w.Line || g.Severity != w.Severity || g.Directive != w.Directive || g.Message == "" || g.File == "" {
					t.Errorf("problem %d = %+v, want line %d %s %q", i, g, w.Line, w.Severity, w.Directive)
				}
				if g.Severity == profile.SeverityError && g.Fix == "" {
					t.Errorf("problem %d has no fix: %+v", i, g)
				}
			}
			if strings.Contains(out.String(), "PRIVATE KEY") || strings.Contains(out.String(), "BEGIN CERT") {
				t.Error("JSON carries key material")
			}
		})
	}
}

// TestProfileCheckTextOrder: without --json, errors and warnings print to
// stderr in line order.
func TestProfileCheckTextOrder(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.ovpn")
	if err := os.WriteFile(p, []byte("remote vpn.example.com 1194\nncp-disable\nup /etc/up.sh\nclient\nauth-user-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, store: storeFromEnv}
	if code := a.run([]string{"profile", "check", p}); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	s := errOut.String()
	i, j, k := strings.Index(s, "bad.ovpn:2: warning: ncp-disable:"), strings.Index(s, "bad.ovpn:3: up: runs a program"), strings.Index(s, "has 2 problems")
	if i < 0 || j < i || k < j {
		t.Errorf("stderr out of order or incomplete:\n%s", s)
	}
}

// TestProfileCheckOrderRandom: "order: random" is only worth a line when
// there is more than one server to shuffle.
func TestProfileCheckOrderRandom(t *testing.T) {
	ca, err := os.ReadFile(testdata("ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		remotes string
		want    bool
	}{
		{"remote a.example.com 1194\n", false},
		{"remote a.example.com 1194\nremote b.example.com 1194\n", true},
	} {
		p := filepath.Join(t.TempDir(), "r.ovpn")
		text := "client\ndev tun\nremote-random\nauth-user-pass\n" + tt.remotes + "<ca>\n" + string(ca) + "</ca>\n"
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		a := &app{stdout: &out, stderr: &errOut, store: storeFromEnv}
		if code := a.run([]string{"profile", "check", p}); code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
		if got := strings.Contains(out.String(), "order:       random"); got != tt.want {
			t.Errorf("%q: order line shown %v, want %v:\n%s", tt.remotes, got, tt.want, out.String())
		}
	}
}
