package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidationErrors(t *testing.T) {
	ca := readTestdata(t, "ca.crt")
	cert := readTestdata(t, "client.crt")
	key := readTestdata(t, "client.key")
	other := readTestdata(t, "other.key")
	ta := readTestdata(t, "ta.key")
	tests := []struct {
		name string
		text string
		want []string // substrings, each of a separate error, in order
	}{
		{"bad port", profileWith(t, "remote h 70000"), []string{"test.ovpn:1: remote: port 70000 is out of range — use a value from 1 to 65535"}},
		{"only remote is bad", "remote h 0\nclient\nauth-user-pass\n" + block("ca", ca), []string{"test.ovpn:1: remote: port 0 is out of range"}},
		{"port not a number", profileWith(t, "port https"), []string{`test.ovpn:1: port: port "https" is not a number`}},
		{"bad proto", profileWith(t, "proto sctp"), []string{`test.ovpn:1: proto: unknown protocol "sctp" — use udp, tcp`}},
		{"server proto", profileWith(t, "remote h 1194 tcp-server"), []string{"test.ovpn:1: remote: tcp-server is the server side of TCP"}},
		{"bad host", profileWith(t, "remote 'bad host'"), []string{`test.ovpn:1: remote: "bad host" is not a host name or IP address`}},
		{"bad key direction", profileWith(t, "key-direction 2"), []string{`test.ovpn:1: key-direction: unknown key direction "2" — use 0 or 1`}},
		{"bad tls-auth direction", profileWith(t, "tls-auth [inline] x", block("tls-auth", ta)), []string{`test.ovpn:1: tls-auth: unknown key direction "x"`}},
		{"bad static key", profileWith(t, block("tls-crypt", "not a key")), []string{"test.ovpn:1: tls-crypt: no -----BEGIN OpenVPN Static key V1----- line"}},
		{"short static key", profileWith(t, block("tls-auth", staticKeyHead+"\n"+strings.Repeat("00", 64)+"\n"+staticKeyFoot)), []string{"tls-auth: the key holds 64 bytes; an OpenVPN static key holds 256"}},
		{"server v2 key", profileWith(t, block("tls-crypt-v2", "-----BEGIN OpenVPN tls-crypt-v2 server key-----\nAAAA\n-----END OpenVPN tls-crypt-v2 server key-----")), []string{"tls-crypt-v2: this is the server's tls-crypt-v2 key"}},
		{"short v2 key", profileWith(t, block("tls-crypt-v2", "-----BEGIN OpenVPN tls-crypt-v2 client key-----\nAAAA\n-----END OpenVPN tls-crypt-v2 client key-----")), []string{"tls-crypt-v2: the client key holds 3 bytes"}},
		{"negative timer", profileWith(t, "ping -5"), []string{"test.ovpn:1: ping: seconds value -5 is out of range — use a value from 0 to 31536000"}},
		{"huge timer", profileWith(t, "reneg-sec 99999999999"), []string{"test.ovpn:1: reneg-sec: seconds value 99999999999 is out of range"}},
		{"zero hand-window", profileWith(t, "hand-window 0"), []string{"hand-window: seconds value 0 is out of range — use a value from 1"}},
		{"keepalive ratio", profileWith(t, "keepalive 10 15"), []string{"keepalive: the restart timeout (15 s) must be at least twice the ping interval (10 s)"}},
		{"keepalive conflict", profileWith(t, "keepalive 10 60", "ping 5"), []string{"test.ovpn:1: keepalive: conflicts with ping, ping-restart or ping-exit (line 2)"}},
		{"arity", profileWith(t, "remote"), []string{"test.ovpn:1: remote: takes 1 to 3 parameters, not 0"}},
		{"unknown", profileWith(t, "frobnicate 1"), []string{"test.ovpn:1: frobnicate: unknown directive — remove it, or add `ignore-unknown-option frobnicate` above this line"}},
		{"typo", profileWith(t, "mssfx 1300"), []string{"mssfx: unknown directive — did you mean mssfix?"}},
		{"ignore too late", profileWith(t, "auth-federate2", "ignore-unknown-option auth-federate2"), []string{"test.ovpn:1: auth-federate2: unknown directive — ignore-unknown-option on line 2 only covers the lines below it; move it above line 1"}},
		{"not in connection", profileWith(t, "<connection>", "remote h", "ping 10", "</connection>"), []string{"test.ovpn:3: ping: cannot be used inside a <connection> block"}},
		{"connection without remote", profileWith(t, "<connection>", "nobind", "</connection>"), []string{"test.ovpn:1: connection: <connection> block has no remote"}},
		{"no remote", strings.Replace(profileWith(t), "remote vpn.example.com 1194\n", "", 1), []string{"test.ovpn: remote: the profile names no server — add `remote HOST [PORT] [udp|tcp]`"}},
		{"no ca", "client\ndev tun\nremote h\nauth-user-pass\n", []string{"test.ovpn: ca: the profile has no CA certificate"}},
		{"no credentials", "client\ndev tun\nremote h\n" + block("ca", ca), []string{"test.ovpn: the profile has no way to sign in"}},
		{"cert without key", profileWith(t, block("cert", cert)), []string{"test.ovpn:1: cert: a client certificate needs its private key"}},
		{"key mismatch", profileWith(t, block("cert", cert), block("key", other)), []string{"key: the private key does not belong to the certificate"}},
		{"not a cert", profileWith(t, block("cert", key)), []string{"test.ovpn:1: cert: no -----BEGIN CERTIFICATE----- block"}},
		{"not a key", profileWith(t, block("key", cert)), []string{"test.ovpn:1: key: no -----BEGIN PRIVATE KEY----- block"}},
		{"encrypted key", profileWith(t, block("key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----")), []string{"key: the encrypted private key does not parse"}},
		{"two wraps", profileWith(t, block("tls-auth", ta), block("tls-crypt", ta)), []string{"tls-auth, tls-crypt and tls-crypt-v2 exclude one another"}},
		{"file without dir", profileWith(t, "tls-crypt ta.key"), []string{`test.ovpn:1: tls-crypt: refers to the file "ta.key", but this profile was given without its directory — paste the file's contents into a <tls-crypt> ... </tls-crypt> block in the profile`}},
		{"cipher none", profileWith(t, "cipher none"), []string{"test.ovpn:1: cipher: turns off encryption"}},
		{"no usable data cipher", profileWith(t, "data-ciphers BF-CBC:DES-CBC"), []string{"data-ciphers: lists no cipher cvpn supports"}},
		{"bad digest", profileWith(t, "auth MD5"), []string{`auth: digest "MD5" is not supported by cvpn`}},
		{"remote-cert-tls client", profileWith(t, "remote-cert-tls client"), []string{"remote-cert-tls: checks that the server has a client certificate"}},
		{"bad static-challenge echo", profileWith(t, `static-challenge "Code" yes`), []string{`static-challenge: echo flag "yes" must be 0 or 1`}},
		{"bad auth-retry", profileWith(t, "auth-retry always"), []string{`auth-retry: unknown value "always"`}},
		{"bad route", profileWith(t, "route 10.0.0.0 255.0.255.0"), []string{`route: netmask "255.0.255.0" is not an IPv4 netmask`}},
		{"bad route6", profileWith(t, "route-ipv6 10.0.0.0/8"), []string{`route-ipv6: "10.0.0.0/8" is not an IPv6 network`}},
		{"bad dhcp-option", profileWith(t, "dhcp-option DNS nameserver"), []string{`dhcp-option: DNS value "nameserver" is not valid — write an IP address`}},
		{"compression not allowed", profileWith(t, "allow-compression no", "comp-lzo yes"), []string{"test.ovpn:2: compression is on but allow-compression is no"}},
		{"setenv GENERIC_CONFIG", profileWith(t, "setenv GENERIC_CONFIG"), []string{"setenv: this is a generic configuration"}},
		{"several at once", profileWith(t, "up x", "down y", "proto sctp"), []string{"test.ovpn:1: up:", "test.ovpn:2: down:", "test.ovpn:3: proto:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := errorsOf(t, mustFail(t, tt.text))
			if len(list) < len(tt.want) || (tt.name == "only remote is bad" && len(list) != 1) {
				t.Fatalf("got %d errors, want %d:\n%v", len(list), len(tt.want), list)
			}
			for i, w := range tt.want {
				if !strings.Contains(list[i].Error(), w) {
					t.Errorf("error %d = %q\nwant it to contain %q", i, list[i].Error(), w)
				}
			}
		})
	}
}

func TestErrorCap(t *testing.T) {
	lines := make([]string, 200)
	for i := range lines {
		lines[i] = "up /bin/true"
	}
	list := errorsOf(t, mustFail(t, profileWith(t, lines...)))
	if len(list) != MaxErrors {
		t.Fatalf("got %d errors, want %d", len(list), MaxErrors)
	}
	if !strings.Contains(list[MaxErrors-1].Error(), "too many problems") {
		t.Errorf("last error = %v", list[MaxErrors-1])
	}
}

func TestTooManyRemotes(t *testing.T) {
	lines := make([]string, MaxRemotes+1)
	for i := range lines {
		lines[i] = "remote h.example.com"
	}
	list := errorsOf(t, mustFail(t, profileWith(t, lines...)))
	if !strings.Contains(list[0].Error(), "more than 64 remotes") {
		t.Errorf("errors = %v", list)
	}
}

func TestFileReferences(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.crt", readTestdata(t, "ca.crt"))
	write("big.crt", strings.Repeat("x", MaxFileSize+1))
	write("tag.crt", readTestdata(t, "ca.crt")+"</ca>\n")
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line, want string
	}{
		{"ca ca.crt", ""},
		{"ca " + filepath.Join(dir, "ca.crt"), ""},
		{"ca missing.crt", `test.ovpn:1: ca: cannot read "missing.crt": no such file — put the file next to the profile`},
		{"ca big.crt", "is larger than 1024 KiB"},
		{"ca adir", "is not a regular file"},
		{"ca /dev/zero", "is not a regular file"},
		{"ca tag.crt", "contains a </ca> line and cannot be inlined"},
	}
	for _, tt := range tests {
		text := "client\ndev tun\nremote h\nauth-user-pass\n"
		_, err := Parse([]byte(tt.line+"\n"+text), ParseOptions{Name: "test.ovpn", Dir: dir})
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.line, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: error = %v, want %q", tt.line, err, tt.want)
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "missing.ovpn"))
	if err == nil || !strings.HasPrefix(err.Error(), "read profile: ") {
		t.Errorf("error = %v", err)
	}
}

func TestPrintable(t *testing.T) {
	if got := printable("ok-name"); got != "ok-name" {
		t.Errorf("printable = %q", got)
	}
	if got := printable("bad\x1b[31m"); got != `"bad\x1b[31m"` {
		t.Errorf("printable = %q", got)
	}
	if got := printable(strings.Repeat("é", 40)); !strings.HasSuffix(got, "…") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("printable cut a rune: %q", got)
	}
}
