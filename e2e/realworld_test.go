//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/e2e/lab"
)

// TestCvpnRealWorldProfileShapes connects with a profile carrying the lines
// real exports have and cvpn once refused: a file reference that a later
// inline block replaces (the file does not exist), script-security 2 with
// the distributions' DNS helper scripts, user/group, daemon-style log
// lines, removed options, a keyword tls-cipher and dhcp-option kinds that
// only scripts read. The tunnel must come up and carry traffic, and cvpn
// must say what it ignored.
func TestCvpnRealWorldProfileShapes(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{Wrap: lab.WrapTLSAuth}})
	text, err := l.ClientProfile(lab.ProfileOptions{Extra: []string{
		"script-security 2",
		"up /etc/openvpn/update-resolv-conf",
		"down /etc/openvpn/update-resolv-conf",
		"user nobody",
		"group nogroup",
		"status /var/log/openvpn-status.log 10",
		"log-append /var/log/openvpn.log",
		"ncp-disable",
		"keysize 256",
		"tls-cipher DEFAULT:@SECLEVEL=0",
		"dhcp-option DOMAIN-ROUTE .",
		"dhcp-option PROXY_AUTO_CONFIG_URL http://wpad.invalid/wpad.dat",
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Template lines before the inline blocks, as generators write them.
	text = "ca ca.crt\ncert client.crt\nkey client.key\ntls-auth ta.key 1\n" + text
	path := filepath.Join(l.Dir, "realworld.ovpn")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c := startCvpnFile(t, l, path, false)
	assertCvpnTunnel(t, l)
	log := c.Log()
	for _, want := range []string{
		`the file "ca.crt" is not read`,
		"up: ignored: cvpn sets the server's DNS settings itself",
		"script-security: level 2 permits scripts",
		"user: ignored", "ncp-disable: removed in OpenVPN 2.6 and ignored",
		"dhcp-option: type PROXY_AUTO_CONFIG_URL is not used by cvpn",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("cvpn output lacks %q", want)
		}
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
}
