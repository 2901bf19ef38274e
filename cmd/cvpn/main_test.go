package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func testdata(name string) string { return filepath.Join("..", "..", "profile", "testdata", name) }

// step is one CLI invocation and what it must produce. Steps run in order
// against one store, so later steps see what earlier ones imported.
type step struct {
	args      []string
	code      int
	stdout    []string // substrings of stdout
	stderr    []string // substrings of stderr
	notStdout []string // must not appear on stdout (key material, passwords)
}

func TestCLI(t *testing.T) {
	root := t.TempDir()
	t.Setenv("CVPN_CONFIG_DIR", filepath.Join(root, "config"))
	managed := filepath.Join(root, "managed")
	t.Setenv("CVPN_MANAGED_DIR", managed)
	if err := os.MkdirAll(managed, 0o755); err != nil {
		t.Fatal(err)
	}
	saml, err := os.ReadFile(testdata("aws-saml.ovpn"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(managed, "AWS.ovpn"), saml, 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(root, "bad.ovpn")
	if err := os.WriteFile(bad, []byte("remote vpn.example.com 1194\nup /etc/up.sh\nclient\nauth-user-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"BEGIN", "PRIVATE KEY", "secret-password", "OpenVPN Static key"}

	steps := []step{
		{args: nil, code: 2, stderr: []string{"Usage: cvpn COMMAND", "profile COMMAND", "Exit status: 0 success, 1 runtime error"}},
		{args: []string{"help"}, code: 0, stdout: []string{"Usage: cvpn COMMAND", "2 usage error or invalid profile", "CVPN_CONFIG_DIR"}},
		{args: []string{"--help"}, code: 0, stdout: []string{"Usage: cvpn COMMAND"}},
		{args: []string{"help", "profile"}, code: 0, stdout: []string{"Usage: cvpn profile COMMAND", "import FILE [--name NAME] [--force]", "list [--json]"}},
		{args: []string{"help", "profile", "show"}, code: 0, stdout: []string{"Usage: cvpn profile show NAME [--json]"}},
		{args: []string{"help", "nope"}, code: 2, stderr: []string{`unknown command "nope"`}},
		{args: []string{"frob"}, code: 2, stderr: []string{`cvpn: unknown command "frob"`}},
		{args: []string{"profile"}, code: 2, stderr: []string{"Usage: cvpn profile COMMAND"}},
		{args: []string{"profile", "frob"}, code: 2, stderr: []string{`unknown command "profile frob"`}},
		{args: []string{"version"}, code: 0, stdout: []string{"cvpn dev (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"}},
		{args: []string{"version", "x"}, code: 2, stderr: []string{"Usage: cvpn version"}},
		{args: []string{"settings"}, code: 0, stdout: []string{"browser: (the default browser, or $CVPN_BROWSER)", "settings.json"}},
		{args: []string{"settings", "browser", "firefox --new-window"}, code: 0},
		{args: []string{"settings"}, code: 0, stdout: []string{"browser: firefox --new-window"}},
		{args: []string{"settings", "browser", ""}, code: 0},
		{args: []string{"settings", "browser"}, code: 0, stdout: []string{"\n"}},
		{args: []string{"settings", "frob"}, code: 2, stderr: []string{"usage: cvpn settings"}},
		{args: []string{"settings", "set", "--help"}, code: 0, stdout: []string{"usage: cvpn settings set KEY VALUE", "log-level"}},
		{args: []string{"settings", "set", "-h"}, code: 0, stdout: []string{"usage: cvpn settings set KEY VALUE"}},

		{args: []string{"profile", "check"}, code: 2, stderr: []string{"Usage: cvpn profile check FILE"}},
		{args: []string{"profile", "check", "a", "b"}, code: 2, stderr: []string{"Usage: cvpn profile check FILE"}},
		{args: []string{"profile", "check", testdata("aws-saml.ovpn")}, code: 0,
			stdout: []string{"aws-saml.ovpn: OK", "auth:        SAML", "(random host prefix)", "transport:   tcp", "rekey:       never"}, notStdout: secrets},
		{args: []string{"profile", "check", testdata("aws-ad-mfa.ovpn")}, code: 0,
			stdout: []string{"auth:        username/password + MFA (static challenge)", `challenge:   "Enter MFA code "`}},
		{args: []string{"profile", "check", testdata("aws-mutual.ovpn")}, code: 0,
			stdout: []string{"auth:        certificate", "certificate: cvpn-test-client (expires 2036-", "ciphers:     AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305"}, notStdout: secrets},
		{args: []string{"profile", "check", testdata("generic-remotes.ovpn")}, code: 0,
			stdout: []string{"vpn2.example.com:443/tcp", "[2001:db8::10]:8443/tcp6", "TLS wrap:    tls-auth (key-direction 1, SHA256)", "warnings:", "some-future-option"}, notStdout: secrets},
		{args: []string{"profile", "check", bad}, code: 2,
			stderr: []string{"bad.ovpn:2: up: runs a program; cvpn never runs scripts from a profile — remove the line", "bad.ovpn: ca: the profile has no CA certificate", "cvpn profile check: the profile has 2 problems"}},
		{args: []string{"profile", "check", filepath.Join(root, "missing.ovpn")}, code: 1, stderr: []string{"cvpn profile check: read profile:"}},

		{args: []string{"profile", "list"}, code: 0, stdout: []string{"AWS", "managed", "SAML"}},
		{args: []string{"profile", "import", testdata("generic-remotes.ovpn"), "--name", "corp"}, code: 0,
			stdout: []string{`imported "corp" (certificate, 4 remotes) to ` + filepath.Join(root, "config", "profiles", "corp.ovpn")},
			stderr: []string{"warning: line 41: some-future-option: unknown directive ignored"}},
		{args: []string{"profile", "import", testdata("generic-remotes.ovpn"), "--name", "Corp"}, code: 1, stderr: []string{"a profile with that name already exists"}},
		{args: []string{"profile", "import", "--force", "--name=Corp", testdata("generic-remotes.ovpn")}, code: 0, stdout: []string{`imported "Corp"`}},
		{args: []string{"profile", "import", testdata("aws-mutual.ovpn"), "--name", "aws"}, code: 1, stderr: []string{"managed by your administrator"}},
		{args: []string{"profile", "import", testdata("userpass-file.ovpn")}, code: 0, stdout: []string{`imported "userpass-file" (username/password, 1 remote)`}},
		{args: []string{"profile", "import", bad}, code: 2, stderr: []string{"bad.ovpn:2: up: runs a program"}},
		{args: []string{"profile", "import", testdata("aws-saml.ovpn"), "--name", "../evil"}, code: 2, stderr: []string{`invalid profile name "../evil"`}},
		{args: []string{"profile", "import", "--bogus", testdata("aws-saml.ovpn")}, code: 2, stderr: []string{"flag provided but not defined: -bogus"}},
		{args: []string{"profile", "import"}, code: 2, stderr: []string{"Usage: cvpn profile import FILE"}},

		{args: []string{"profile", "list"}, code: 0,
			stdout: []string{"NAME", "SOURCE", "REMOTES", "AUTH", "AWS", "managed", "Corp", "user", "vpn1.example.com:1194/udp (+3 more)", "certificate", "userpass-file"}},
		{args: []string{"profile", "list", "--json"}, code: 0, stdout: []string{`"name": "AWS"`, `"managed": true`, `"name": "Corp"`, `"auth": "certificate"`, `"proto": "tcp6"`}, notStdout: secrets},
		{args: []string{"profile", "show", "corp"}, code: 0,
			stdout: []string{"name:        Corp", "source:      user, ", "verify name: vpn.example.com (name)"}, notStdout: secrets},
		{args: []string{"profile", "show", "corp", "--json"}, code: 0,
			stdout: []string{`"name": "Corp"`, `"tls_wrap": "tls-auth (key-direction 1, SHA256)"`, `"managed": false`}, notStdout: secrets},
		{args: []string{"profile", "show", "--json", "userpass-file"}, code: 0, stdout: []string{`"username": "alice"`}, notStdout: secrets},
		{args: []string{"profile", "show", "aws"}, code: 0, stdout: []string{"source:      managed by your administrator"}},
		{args: []string{"profile", "show", "nosuch"}, code: 1, stderr: []string{"cvpn profile show: get nosuch: profile not found"}},
		{args: []string{"profile", "show"}, code: 2, stderr: []string{"Usage: cvpn profile show NAME [--json]"}},
		{args: []string{"profile", "remove", "AWS"}, code: 1, stderr: []string{"managed by your administrator and cannot be changed"}},
		{args: []string{"profile", "remove", "corp"}, code: 0, stdout: []string{`removed "corp"`}},
		{args: []string{"profile", "remove", "corp"}, code: 1, stderr: []string{"profile not found"}},
		{args: []string{"profile", "remove", "a/b"}, code: 2, stderr: []string{"invalid profile name"}},
		{args: []string{"profile", "check", "-h"}, code: 0, stdout: []string{"Usage: cvpn profile check FILE", "-json"}},
	}
	runSteps(t, steps)
}

// runSteps runs each step's command line in this process, in order, and
// checks its exit status and what it printed.
func runSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		var out, errOut bytes.Buffer
		a := &app{stdout: &out, stderr: &errOut, store: storeFromEnv}
		code := a.run(s.args)
		name := strings.Join(s.args, " ")
		if code != s.code {
			t.Errorf("cvpn %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", name, code, s.code, out.String(), errOut.String())
			continue
		}
		for _, w := range s.stdout {
			if !strings.Contains(out.String(), w) {
				t.Errorf("cvpn %s: stdout lacks %q:\n%s", name, w, out.String())
			}
		}
		for _, w := range s.stderr {
			if !strings.Contains(errOut.String(), w) {
				t.Errorf("cvpn %s: stderr lacks %q:\n%s", name, w, errOut.String())
			}
		}
		for _, w := range s.notStdout {
			if strings.Contains(out.String(), w) {
				t.Errorf("cvpn %s: stdout shows %q", name, w)
			}
		}
	}
}
