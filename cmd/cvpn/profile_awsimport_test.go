package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProfileImportFromAWSClient(t *testing.T) {
	root := t.TempDir()
	t.Setenv("CVPN_CONFIG_DIR", filepath.Join(root, "config"))
	t.Setenv("CVPN_MANAGED_DIR", filepath.Join(root, "managed"))
	fixture := filepath.Join("..", "..", "profile", "awsclient", "testdata", "aws5")
	onlyBroken := filepath.Join(root, "broken")
	if err := os.MkdirAll(filepath.Join(onlyBroken, "OpenVpnConfigs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(onlyBroken, "OpenVpnConfigs", "bad"), []byte("client\nremote x 1\nup /bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(root, "empty")
	steps := []step{
		{args: []string{"profile", "import", "--from-aws-client", "--dir", fixture}, code: 0,
			stdout: []string{"4 found, 2 imported, 2 refused", `"Corp VPN (SAML)" (endpoint cvpn-endpoint-0123456789abcdef0)`,
				`"Dev- mutual-TLS"`, `named "Dev: mutual/TLS" in the AWS VPN Client`,
				`"Broken": the profile is not valid: runs a program`, "fix: remove the line",
				`"Gone": its .ovpn file is missing`, "fix: download the profile again"},
			notStdout: []string{"PRIVATE KEY"}},
		{args: []string{"profile", "list", "--names"}, code: 0, stdout: []string{"Corp VPN (SAML)\n", "Dev- mutual-TLS\n"}},
		{args: []string{"profile", "import", "--dir=" + onlyBroken, "--from-aws-client"}, code: 1, stdout: []string{"1 found, 0 imported, 1 refused", `"bad"`}},
		{args: []string{"profile", "import", "--from-aws-client", "--dir", empty}, code: 2, stderr: []string{"found no AWS VPN Client profiles; looked in:\n  " + empty, "--dir DIR"}},
		{args: []string{"profile", "import", "--from-aws-client", "extra.ovpn"}, code: 2, stderr: []string{"Usage: cvpn profile import --from-aws-client [--dir DIR]"}},
	}
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
