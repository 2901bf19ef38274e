package profile

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestRealWorldAccepted covers the profile shapes that stock OpenVPN 2.6
// connects with and cvpn once refused: each must parse, with a warning that
// says what cvpn does with the line instead.
func TestRealWorldAccepted(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		warn  []string // each must appear in some warning
		check func(t *testing.T, p *Profile)
	}{
		{"script-security 2 without scripts", []string{"script-security 2"},
			[]string{"line 1: script-security: level 2 permits scripts, but cvpn never runs scripts from a profile; ignored"}, nil},
		{"script-security 3 without scripts", []string{"script-security 3", "verb 3"},
			[]string{"level 3 permits scripts"}, nil},
		{"update-resolv-conf", []string{"script-security 2", "up /etc/openvpn/update-resolv-conf", "down /etc/openvpn/update-resolv-conf"},
			[]string{"line 2: up: ignored: cvpn sets the server's DNS settings itself, so the helper script update-resolv-conf is not needed",
				"line 3: down: ignored"}, nil},
		{"update-systemd-resolved with down-pre", []string{"script-security 2", "up /etc/openvpn/scripts/update-systemd-resolved",
			"down /etc/openvpn/scripts/update-systemd-resolved", "down-pre"}, []string{"helper script update-systemd-resolved"}, nil},
		{"update-resolv-conf.sh quoted", []string{`up "/usr/share/openvpn/update-resolv-conf.sh"`}, []string{"update-resolv-conf.sh"}, nil},
		{"Tunnelblick scripts with flags", []string{`up "/Applications/Tunnelblick.app/Contents/Resources/client.up.tunnelblick.sh -9 -d -f -m -w -ptADGNWradsgnw"`,
			`down "/Applications/Tunnelblick.app/Contents/Resources/client.down.tunnelblick.sh -9 -d -f -m -w -ptADGNWradsgnw"`,
			"up client.2.up.osx.sh"},
			[]string{"client.up.tunnelblick.sh", "client.down.tunnelblick.sh", "client.2.up.osx.sh"}, nil},
		{"user and group", []string{"user nobody", "group nogroup"},
			[]string{"line 1: user: ignored: cvpn runs tunnels in its own service", "line 2: group: ignored"}, nil},
		{"daemon-style Linux client lines", []string{"daemon", "log-append /var/log/openvpn.log", "status /var/log/openvpn-status.log 10",
			"writepid /run/openvpn.pid", "syslog vpn", "chroot /var/empty", "replay-persist /var/lib/openvpn/replay", "log /tmp/x.log"},
			[]string{"line 1: daemon: ignored: cvpn's service already runs in the background",
				"line 2: log-append: ignored: cvpn keeps its own connection log and writes no file a profile names",
				"line 3: status: ignored", "line 4: writepid: ignored", "line 5: syslog: ignored", "line 6: chroot: ignored",
				"line 7: replay-persist: ignored", "line 8: log: ignored"}, nil},
		{"OpenSSL providers", []string{"providers legacy default"}, []string{"line 1: providers: ignored: cvpn does not use OpenSSL"}, nil},
		{"dhcp-option DOMAIN-ROUTE", []string{"dhcp-option DOMAIN-ROUTE .", "dhcp-option DOMAIN-ROUTE corp.example.com", "dhcp-option DNS 10.8.0.1"}, nil,
			func(t *testing.T, p *Profile) {
				if want := []string{".", "corp.example.com"}; !reflect.DeepEqual(p.DNS.RouteDomains, want) {
					t.Errorf("RouteDomains = %q, want %q", p.DNS.RouteDomains, want)
				}
			}},
		{"dhcp-option kinds cvpn does not use", []string{"dhcp-option PROXY_AUTO_CONFIG_URL http://wpad.example/wpad.dat", "dhcp-option DOMAIN-SEARCH-EX x"},
			[]string{"line 1: dhcp-option: type PROXY_AUTO_CONFIG_URL is not used by cvpn; ignored", "type DOMAIN-SEARCH-EX"}, nil},
		{"dhcp-option PROXY_HTTP host port", []string{"dhcp-option PROXY_HTTP proxy.example 3128"}, nil, nil},
		{"ncp-disable", []string{"ncp-disable"}, []string{"line 1: ncp-disable: removed in OpenVPN 2.6 and ignored: cipher negotiation is always on"}, nil},
		{"keysize", []string{"keysize 256"}, []string{"keysize: removed in OpenVPN 2.6 and ignored"}, nil},
		{"prng", []string{"prng SHA1 16"}, []string{"prng: removed in OpenVPN 2.6 and ignored"}, nil},
		{"key-method 2", []string{"key-method 2"}, []string{"key-method: removed in OpenVPN 2.5 and ignored"}, nil},
		{"tls-cipher by keyword", []string{"tls-cipher DEFAULT:@SECLEVEL=0"}, nil,
			func(t *testing.T, p *Profile) {
				if p.TLS.CipherSuites != nil || len(p.Warnings) != 0 {
					t.Errorf("suites %v, warnings %q; want defaults, no warning", p.TLS.CipherSuites, p.Warnings)
				}
			}},
		{"tls-cipher in OpenVPN's spelling", []string{"tls-cipher TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384:TLS-DHE-RSA-WITH-AES-256-GCM-SHA384"},
			[]string{"left out the ciphers cvpn does not have: TLS-DHE-RSA-WITH-AES-256-GCM-SHA384"},
			func(t *testing.T, p *Profile) {
				if !reflect.DeepEqual(p.TLS.CipherSuites, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}) {
					t.Errorf("suites = %x", p.TLS.CipherSuites)
				}
			}},
		{"tls-cipher with only ciphers cvpn lacks", []string{"tls-cipher DHE-RSA-AES256-SHA"},
			[]string{"names no TLS 1.2 cipher that cvpn has; cvpn offers its default TLS 1.2 ciphers instead"},
			func(t *testing.T, p *Profile) {
				if p.TLS.CipherSuites != nil {
					t.Errorf("suites = %x, want defaults", p.TLS.CipherSuites)
				}
			}},
		{"tls-ciphersuites with TLS 1.3 names", []string{"tls-ciphersuites TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"}, nil,
			func(t *testing.T, p *Profile) {
				if p.TLS.Ciphersuites == "" {
					t.Error("Ciphersuites not kept")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, profileWith(t, tt.lines...))
			for _, w := range tt.warn {
				if !hasWarning(p, w) {
					t.Errorf("no warning containing %q; warnings: %q", w, p.Warnings)
				}
			}
			for _, w := range p.Warnings {
				if strings.Contains(w.Text, "unknown") {
					t.Errorf("warning calls a known option unknown: %s", w)
				}
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

// TestRealWorldRefused covers what must still be refused, with messages
// that name the cause and the fix.
func TestRealWorldRefused(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"a real script next to a DNS helper", []string{"script-security 2", "up /etc/openvpn/update-resolv-conf", "down /etc/openvpn/cleanup.sh"},
			"test.ovpn:3: down: runs a program"},
		{"a helper name with shell after it", []string{"up '/etc/openvpn/update-resolv-conf;/bin/sh'"}, "test.ovpn:1: up: runs a program"},
		{"cd changes where files are read from", []string{"cd /etc/openvpn"}, "test.ovpn:1: cd: changes the directory that file names are read from"},
		{"route-up is never a DNS helper", []string{"route-up /etc/openvpn/update-resolv-conf"}, "route-up: runs a program"},
		{"tls-remote", []string{"tls-remote vpn.example.com"}, "tls-remote: was removed in OpenVPN 2.4 (verify-x509-name replaced it) — write `verify-x509-name NAME name`"},
		{"no-iv", []string{"no-iv"}, "no-iv: was removed in OpenVPN 2.5"},
		{"key-method 1", []string{"key-method 1"}, "key-method: was removed in OpenVPN 2.5"},
		{"tls-ciphersuites with TLS 1.2 names", []string{"tls-ciphersuites ECDHE-RSA-AES256-GCM-SHA384"},
			"tls-ciphersuites: ECDHE-RSA-AES256-GCM-SHA384 is a TLS 1.2 cipher name, which tls-ciphersuites does not take — tls-ciphersuites takes TLS 1.3 suites"},
		{"tls-ciphersuites with IANA TLS 1.2 names", []string{"tls-ciphersuites TLS_AES_128_GCM_SHA256:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
			"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 is a TLS 1.2 cipher name"},
		{"tls-ciphersuites garbage", []string{"tls-ciphersuites HIGH"}, "HIGH is not a TLS 1.3 cipher suite"},
		{"dhcp-option DOMAIN-ROUTE not a name", []string{"dhcp-option DOMAIN-ROUTE a..b"}, "dhcp-option: DOMAIN-ROUTE value \"a..b\" is not valid"},
		{"dhcp-option with too many values", []string{"dhcp-option DNS 10.0.0.1 10.0.0.2"}, "dhcp-option: DNS takes one value, not 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mustFail(t, profileWith(t, tt.lines...))
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "unknown directive") {
				t.Errorf("error calls a known option unknown: %v", err)
			}
		})
	}
}

// TestLaterLineReplacesFile: a file reference followed by an inline block
// of the same kind (or another reference) is never opened, as in OpenVPN,
// and disappears from the stored profile.
func TestLaterLineReplacesFile(t *testing.T) {
	ca, ta, crt, key := readTestdata(t, "ca.crt"), readTestdata(t, "ta.key"), readTestdata(t, "client.crt"), readTestdata(t, "client.key")
	dir := t.TempDir() // holds none of the files named below
	tests := []struct {
		name  string
		text  string
		check func(t *testing.T, p *Profile)
	}{
		{"ca file then <ca>", strings.Join([]string{"client", "dev tun", "remote vpn.example.com", "ca ca.crt",
			"cert client.crt", "key client.key", block("ca", ca), block("cert", crt), block("key", key)}, "\n"), nil},
		{"tls-auth file with direction then <tls-auth>", strings.Join([]string{"client", "dev tun", "remote vpn.example.com",
			"tls-auth ta.key 1", block("ca", ca), block("cert", crt), block("key", key), block("tls-auth", ta)}, "\n"),
			func(t *testing.T, p *Profile) {
				w := p.Remotes[0].Wrap
				if w.Mode != WrapTLSAuth || w.KeyDirection != KeyDir1 {
					t.Errorf("wrap = %v direction %v, want tls-auth direction 1", w.Mode, w.KeyDirection)
				}
				if !strings.Contains(string(p.Inlined()), "\nkey-direction 1\n") {
					t.Errorf("stored profile lost the key direction:\n%s", p.Inlined())
				}
			}},
		{"auth-user-pass file then block", strings.Join([]string{"client", "dev tun", "remote vpn.example.com", "auth-user-pass creds.txt",
			block("ca", ca), "<auth-user-pass>\nalice\nsecret\n</auth-user-pass>"}, "\n"),
			func(t *testing.T, p *Profile) {
				if p.Auth.Username != "alice" || p.Auth.Password != "secret" {
					t.Errorf("credentials = %q/%q", p.Auth.Username, p.Auth.Password)
				}
			}},
		{"two file references, the last one present", strings.Join([]string{"client", "dev tun", "remote vpn.example.com",
			"ca missing.crt", "ca present.crt", block("cert", crt), block("key", key)}, "\n"), nil},
		{"inside a connection block", strings.Join([]string{"client", "dev tun", block("ca", ca), block("cert", crt), block("key", key),
			"<connection>", "remote vpn.example.com 1194", "tls-crypt ta.key", block("tls-crypt", ta), "</connection>"}, "\n"),
			func(t *testing.T, p *Profile) {
				if p.Remotes[0].Wrap.Mode != WrapTLSCrypt {
					t.Errorf("wrap = %v, want tls-crypt", p.Remotes[0].Wrap.Mode)
				}
			}},
	}
	if err := os.WriteFile(filepath.Join(dir, "present.crt"), []byte(ca), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.text+"\n"), ParseOptions{Name: "test.ovpn", Dir: dir})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !hasWarning(p, "is not read: line") {
				t.Errorf("no warning about the replaced file; warnings: %q", p.Warnings)
			}
			stored := string(p.Inlined())
			for _, ref := range []string{"ca ca.crt", "ca missing.crt", "tls-auth ta.key", "tls-crypt ta.key", "auth-user-pass creds.txt", "cert client.crt"} {
				if strings.Contains(stored, "\n"+ref+"\n") {
					t.Errorf("stored profile still refers to %q", ref)
				}
			}
			// The stored form parses on its own, without the directory.
			if _, err := Parse(p.Inlined(), ParseOptions{Name: "stored.ovpn"}); err != nil {
				t.Errorf("stored profile does not parse: %v", err)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestAWSMutualWithoutCertificate(t *testing.T) {
	text := strings.Join([]string{"client", "dev tun", "proto udp",
		"remote cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com 443", "remote-random-hostname",
		"remote-cert-tls server", block("ca", readTestdata(t, "ca.crt")), "reneg-sec 0"}, "\n")
	err := mustFail(t, text)
	want := "test.ovpn: this is an AWS Client VPN profile for certificate (mutual) authentication, and it holds no client certificate — add the certificate and private key your administrator gave you"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v\nwant %q", err, want)
	}
	// Any other server: the generic message.
	err = mustFail(t, strings.Replace(text, "cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com", "vpn.example.com", 1))
	if strings.Contains(err.Error(), "AWS") || !strings.Contains(err.Error(), "no way to sign in") {
		t.Errorf("error = %v", err)
	}
}

func TestFindingsInLineOrder(t *testing.T) {
	// The cert without a key is found at the end of the file but belongs
	// to line 2; the unknown directive is on line 3.
	text := strings.Join([]string{"client", block("cert", readTestdata(t, "client.crt")), "frobnicate", "dev tun",
		"remote vpn.example.com", block("ca", readTestdata(t, "ca.crt"))}, "\n")
	list := errorsOf(t, mustFail(t, text))
	for i := 1; i < len(list); i++ {
		if list[i].Line != 0 && list[i].Line < list[i-1].Line || list[i-1].Line == 0 && list[i].Line != 0 {
			t.Fatalf("errors out of line order: %v", list)
		}
	}
	// The static challenge is checked at the end but belongs to line 1.
	p := mustParse(t, strings.Join([]string{`static-challenge "Code" 1`, "ncp-disable", "client", "dev tun",
		"remote vpn.example.com", block("cert", readTestdata(t, "client.crt")), block("key", readTestdata(t, "client.key")),
		block("ca", readTestdata(t, "ca.crt"))}, "\n"))
	if len(p.Warnings) < 2 || p.Warnings[0].Line != 1 || p.Warnings[1].Line != 2 {
		t.Errorf("warnings = %q, want the static-challenge one (line 1) first", p.Warnings)
	}
	for i := 1; i < len(p.Warnings); i++ {
		if p.Warnings[i].Line != 0 && p.Warnings[i].Line < p.Warnings[i-1].Line {
			t.Fatalf("warnings out of line order: %q", p.Warnings)
		}
	}
}

func TestSummaryAuthMethods(t *testing.T) {
	crt, key := readTestdata(t, "client.crt"), readTestdata(t, "client.key")
	tests := []struct {
		lines []string
		want  []string
	}{
		{[]string{block("cert", crt), block("key", key)}, []string{"certificate"}},
		{[]string{block("cert", crt), block("key", key), "auth-user-pass"}, []string{"certificate", "username/password"}},
		{[]string{"auth-user-pass", `static-challenge "Code" 1`}, []string{"username/password", "MFA (static challenge)"}},
		{[]string{"auth-user-pass", "auth-federate"}, []string{"SAML"}},
	}
	for i, tt := range tests {
		lines := append([]string{"client", "dev tun", "remote vpn.example.com", block("ca", readTestdata(t, "ca.crt"))}, tt.lines...)
		p := mustParse(t, strings.Join(lines, "\n"))
		if got := p.Summary().AuthMethods; !reflect.DeepEqual(got, tt.want) {
			t.Errorf("case %d: methods %q, want %q", i, got, tt.want)
		}
	}
}

func TestCheckFileProblems(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.ovpn")
	text := profileWith(t, "ncp-disable", "frobnicate", "tls-remote x")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	p, probs, err := CheckFile(path)
	if err != nil || p != nil {
		t.Fatalf("CheckFile = %v, %v", p, err)
	}
	want := []struct {
		line int
		sev  Severity
		dir  string
	}{{1, SeverityWarning, "ncp-disable"}, {2, SeverityError, "frobnicate"}, {3, SeverityError, "tls-remote"}}
	if len(probs) != len(want) {
		t.Fatalf("problems = %+v", probs)
	}
	for i, w := range want {
		pr := probs[i]
		if pr.Line != w.line || pr.Severity != w.sev || pr.Directive != w.dir || pr.File != "bad.ovpn" || pr.Message == "" {
			t.Errorf("problem %d = %+v, want line %d %s %s", i, pr, w.line, w.sev, w.dir)
		}
		if pr.Severity == SeverityError && pr.Fix == "" {
			t.Errorf("problem %d has no fix: %+v", i, pr)
		}
	}
	if _, _, err := CheckFile(filepath.Join(dir, "missing.ovpn")); err == nil {
		t.Error("CheckFile of a missing file: no error")
	}
}

func TestMacOSUtunDevice(t *testing.T) {
	p := mustParse(t, strings.Replace(profileWith(t), "dev tun", "dev utun", 1))
	if p.Dev != "utun" {
		t.Errorf("Dev = %q", p.Dev)
	}
}

// TestMissingAuthFile: providers ship "auth-user-pass login.txt" without
// the file; the fix offers the simpler way, being asked.
func TestMissingAuthFile(t *testing.T) {
	text := strings.Replace(profileWith(t), "auth-user-pass", "auth-user-pass login.txt", 1)
	_, err := Parse([]byte(text), ParseOptions{Name: "test.ovpn", Dir: t.TempDir()})
	want := `auth-user-pass: cannot read "login.txt": no such file — write a bare ` + "`auth-user-pass`" + ` to be asked when connecting`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v\nwant %q", err, want)
	}
}
