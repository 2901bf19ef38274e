package main

import (
	"os"
	"path/filepath"
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
	runSteps(t, steps)
}
