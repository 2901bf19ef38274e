package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. Whatever comes in, Parse must
// return (no panic, no hang), every error must be an Error naming the file,
// and a profile that parses must survive Inlined unchanged in meaning.
// The seeds (run by every go test) are the test profiles and hostile bits;
// testdata/fuzz/FuzzParse holds regressions found by fuzzing.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.ovpn"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed profiles: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	ca := readTestdata(f, "ca.crt")
	ta := readTestdata(f, "ta.key")
	base := "client\ndev tun\nremote h 1194 udp\nauth-user-pass\n<ca>\n" + ca + "</ca>\n"
	for _, s := range []string{
		"",
		"\xEF\xBB\xBF",
		"\x00",
		"\\",
		"\"",
		"'",
		"remote \"h",
		"remote h\\",
		"<ca>",
		"</ca>",
		"<>",
		"<<>>",
		"<connection>\n<connection>\nremote h\n</connection>\n</connection>\n",
		"<connection>\nremote h\n<tls-auth>\n" + ta + "</tls-auth>\n</connection>\n",
		"tls-auth [inline] 1\n",
		"setenv opt setenv opt setenv opt up x\n",
		"setenv opt\n",
		"ignore-unknown-option\n",
		"--\n---\n-- remote h\n",
		"remote h 0\nremote h 65536\nremote h -1\nremote h 1194 tcp-server\n",
		"keepalive 1 1\nping 99999999999999999999\n",
		"route 1.2.3.4 255.255.255.255 vpn_gateway 5\nroute-ipv6 ::/0\n",
		"dns server 1 address 1.1.1.1 [::1]:53\ndns search-domains a b\n",
		"peer-fingerprint 00:11\n<peer-fingerprint>\n#\n</peer-fingerprint>\n",
		"<pkcs12>\nMA==\n</pkcs12>\n",
		"<tls-crypt-v2>\n-----BEGIN OpenVPN tls-crypt-v2 client key-----\n-----END OpenVPN tls-crypt-v2 client key-----\n</tls-crypt-v2>\n",
		"static-challenge \"x\" 1\nauth-federate\n",
		"ca ca.crt\n<ca>\n" + ca + "</ca>\nca [inline]\n",
		"tls-auth ta.key 1\n<tls-auth>\n" + ta + "</tls-auth>\n",
		"<connection>\nremote h\ntls-auth ta.key 1\n<tls-auth>\n" + ta + "</tls-auth>\n</connection>\n",
		"auth-user-pass a.txt\n<auth-user-pass>\nu\np\n</auth-user-pass>\n",
		"script-security 2\nup /etc/openvpn/update-resolv-conf\ndown 'client.down.tunnelblick.sh -9'\nuser nobody\n",
		"dhcp-option DOMAIN-ROUTE .\ndhcp-option FOO bar\ndhcp-option PROXY_HTTP h 1\n",
		"tls-cipher DEFAULT:@SECLEVEL=0\ntls-ciphersuites TLS_AES_128_GCM_SHA256\n",
		"ncp-disable\nkeysize 256\nkey-method 2\ntls-remote x\nlog-append /x\ndaemon\n",
		"proto tcp\nhttp-proxy p 3128 auto\n<http-proxy-user-pass>\nu\np\n</http-proxy-user-pass>\nhttp-proxy-option CUSTOM-HEADER X y\nhttp-proxy-option VERSION 1.1\n",
		"proto tcp\nsocks-proxy ::1\nignore-unknown-option socks-proxy-user-pass\n<socks-proxy-user-pass>\nu\n</socks-proxy-user-pass>\n",
		"<connection>\nremote h 443 tcp\nhttp-proxy p 1 x.txt ntlm\nsocks-proxy s\n</connection>\nhttp-proxy-override p 1 nct\nhttp-proxy-retry\nhttp-proxy-option AGENT\n",
		strings.Repeat("a ", 40),
		"\r\n\r\n\r",
	} {
		f.Add([]byte(s))
		f.Add([]byte(base + s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, ParseOptions{Name: "fuzz.ovpn"})
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not an ErrorList: %T %v", err, err)
			}
			if len(list) == 0 || len(list) > MaxErrors {
				t.Fatalf("%d errors", len(list))
			}
			for _, e := range list {
				if e.File != "fuzz.ovpn" || e.Msg == "" {
					t.Fatalf("bad error %+v", e)
				}
			}
			return
		}
		if len(p.Remotes) == 0 {
			t.Fatal("a valid profile has no remote")
		}
		q, err := Parse(p.Inlined(), ParseOptions{Name: "inlined.ovpn"})
		if err != nil {
			t.Fatalf("inlined profile does not parse: %v\ninput: %q\ninlined: %q", err, data, p.Inlined())
		}
		if len(q.Remotes) != len(p.Remotes) || q.AuthMode() != p.AuthMode() || q.Remotes[0].Wrap.Mode != p.Remotes[0].Wrap.Mode {
			t.Fatalf("inlined profile means something else\ninput: %q", data)
		}
	})
}
