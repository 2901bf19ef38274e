package profile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportText(t *testing.T) {
	const (
		pemKey = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQCplscqwCbTMZYX\n-----END PRIVATE KEY-----\n"
		static = "#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n7e74d9f84265312c6271e45b30979219\n-----END OpenVPN Static key V1-----\n"
		cert   = "-----BEGIN CERTIFICATE-----\nMIIDDzCCAfegAwIBAgIUdHiN5bjKig3q\n-----END CERTIFICATE-----\n"
	)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"no secrets",
			"client\ndev tun\n# comment\nremote vpn.example.com 443 tcp\nauth-user-pass\n",
			"client\ndev tun\n# comment\nremote vpn.example.com 443 tcp\nauth-user-pass\n"},
		{"key",
			"client\n<key>\n" + pemKey + "</key>\nverb 3\n",
			"client\n<key>\n[removed: private key]\n</key>\nverb 3\n"},
		{"public blocks kept",
			"<ca>\n" + cert + "</ca>\n<cert>\n" + cert + "</cert>\n<extra-certs>\n" + cert + "</extra-certs>\n",
			"<ca>\n" + cert + "</ca>\n<cert>\n" + cert + "</cert>\n<extra-certs>\n" + cert + "</extra-certs>\n"},
		{"tls-auth with marker and direction",
			"tls-auth [inline] 1\n<tls-auth>\n" + static + "</tls-auth>\nkey-direction 1\n",
			"tls-auth [inline] 1\n<tls-auth>\n[removed: tls-auth key]\n</tls-auth>\nkey-direction 1\n"},
		{"tls-crypt", "<tls-crypt>\n" + static + "</tls-crypt>\n", "<tls-crypt>\n[removed: tls-crypt key]\n</tls-crypt>\n"},
		{"tls-crypt-v2",
			"<tls-crypt-v2>\n-----BEGIN OpenVPN tls-crypt-v2 client key-----\nYFyz57iFfFjm\n-----END OpenVPN tls-crypt-v2 client key-----\n</tls-crypt-v2>\n",
			"<tls-crypt-v2>\n[removed: tls-crypt-v2 client key]\n</tls-crypt-v2>\n"},
		{"secret", "<secret>\n" + static + "</secret>\n", "<secret>\n[removed: static key]\n</secret>\n"},
		{"pkcs12", "pkcs12 [inline]\n<pkcs12>\nMIIJqQIBAzCCCW8G\nCSqGSIb3DQEHAaCC\n</pkcs12>\n", "pkcs12 [inline]\n<pkcs12>\n[removed: pkcs12 bundle]\n</pkcs12>\n"},
		{"auth-user-pass block",
			"auth-user-pass\n<auth-user-pass>\nalice\nhunter2\n</auth-user-pass>\n",
			"auth-user-pass\n<auth-user-pass>\n[removed: username and password]\n</auth-user-pass>\n"},
		{"http-proxy-user-pass block",
			"<http-proxy-user-pass>\nbob\nproxypw\n</http-proxy-user-pass>\n",
			"<http-proxy-user-pass>\n[removed: proxy username and password]\n</http-proxy-user-pass>\n"},
		{"unknown block removed", "<future-secret>\nabc\n</future-secret>\n", "<future-secret>\n[removed: contents of <future-secret>]\n</future-secret>\n"},
		{"empty block kept", "<key>\n</key>\n", "<key>\n</key>\n"},
		{"CRLF",
			"client\r\n<key>\r\n" + strings.ReplaceAll(pemKey, "\n", "\r\n") + "</key>\r\nverb 3\r\n",
			"client\r\n<key>\r\n[removed: private key]\r\n</key>\r\nverb 3\r\n"},
		{"lone CR ends lines too",
			"client\r<key>\r" + strings.ReplaceAll(pemKey, "\n", "\r") + "</key>\r",
			"client\r<key>\r[removed: private key]\r</key>\r"},
		{"no final newline", "<key>\nsecret\n</key>", "<key>\n[removed: private key]\n</key>"},
		{"byte order mark", utf8BOM + "<key>\nsecret\n</key>\n", utf8BOM + "<key>\n[removed: private key]\n</key>\n"},
		{"upper-case tag", "<KEY>\nsecret\n</KEY>\n", "<KEY>\n[removed: private key]\n</KEY>\n"},
		{"close tag matched as written, like OpenVPN",
			"<Key>\nsecret\n</key>\nverb 3\n",
			"<Key>\n[removed: <Key> is never closed; everything after it]\n"},
		{"double dash, quotes, spaces and a comment on the tag line",
			"  --<key>  # mine\nsecret\n  </key> trailing\nverb 3\n",
			"  --<key>  # mine\n[removed: private key]\n  </key> trailing\nverb 3\n"},
		{"quoted tag", "\"<key>\"\nsecret\n</key>\n", "\"<key>\"\n[removed: private key]\n</key>\n"},
		{"unterminated secret block",
			"client\n<key>\n" + pemKey + "verb 3\n",
			"client\n<key>\n[removed: <key> is never closed; everything after it]\n"},
		{"unterminated public block hides a key",
			"<ca>\n" + cert + "<key>\n" + pemKey + "</key>\n",
			"<ca>\n[removed: <ca> is never closed; everything after it]\n"},
		{"unterminated at the very end", "client\n<key>", "client\n<key>"},
		{"connection blocks are read inside",
			"<connection>\nremote a.example.com\n<tls-crypt>\n" + static + "</tls-crypt>\n</connection>\n",
			"<connection>\nremote a.example.com\n<tls-crypt>\n[removed: tls-crypt key]\n</tls-crypt>\n</connection>\n"},
		{"private key pasted into cert",
			"<cert>\n" + cert + pemKey + "</cert>\n",
			"<cert>\n" + cert + "[removed: private key]\n</cert>\n"},
		{"unterminated PEM key in cert stops at the block end",
			"<cert>\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n</cert>\nverb 3\n",
			"<cert>\n[removed: private key]\n</cert>\nverb 3\n"},
		{"stray PEM key outside a block", "client\n" + pemKey + "verb 3\n", "client\n[removed: private key]\nverb 3\n"},
		{"stray static key outside a block", "client\n" + static, "client\n#\n# 2048 bit OpenVPN static key\n#\n[removed: static key]\n"},
		{"auth-user-pass marker kept", "auth-user-pass [inline]\n", "auth-user-pass [inline]\n"},
		{"auth-user-pass file name dropped", "auth-user-pass creds.txt\n", "auth-user-pass [removed: credentials]\n"},
		{"auth-user-pass with credentials on the line",
			"  --auth-user-pass alice \"hunter 2\"\r\n",
			"  --auth-user-pass [removed: credentials]\r\n"},
		{"auth-user-pass that does not tokenize", "AUTH-USER-PASS \"alice hunter2\n", "AUTH-USER-PASS [removed: credentials]\n"},
		{"auth-token", "auth-token SESS_ID_abcdef\n", "auth-token [removed: credentials]\n"},
		{"http-proxy-user-pass line", "http-proxy-user-pass proxy.txt\n", "http-proxy-user-pass [removed: credentials]\n"},
		{"other directives untouched", "auth-user-pass-verify x via-env\nauth-nocache\n", "auth-user-pass-verify x via-env\nauth-nocache\n"},
		{"closing tag without opening", "</key>\nverb 3\n", "</key>\nverb 3\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(ExportText([]byte(tt.in)))
			if got != tt.want {
				t.Errorf("ExportText:\n got %q\nwant %q", got, tt.want)
			}
			if again := string(ExportText([]byte(got))); again != got {
				t.Errorf("not idempotent:\nonce  %q\ntwice %q", got, again)
			}
		})
	}
}

// TestExportTextTestdata runs the stored form (Inlined) of every test
// profile through ExportText: no line of any key or password may survive,
// the certificates must, and every line outside removed blocks stays.
func TestExportTextTestdata(t *testing.T) {
	var secrets []string
	for _, name := range []string{"client.key", "other.key", "ta.key", "v2client.key"} {
		secrets = append(secrets, secretLines(readTestdata(t, name))...)
	}
	p12, err := os.ReadFile(filepath.Join("testdata", "client.p12"))
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, secretLines(wrapBase64(p12))...)
	secrets = append(secrets, "secret-password") // creds.txt
	certLines := strings.Split(strings.TrimSpace(readTestdata(t, "ca.crt")), "\n")

	files, err := filepath.Glob(filepath.Join("testdata", "*.ovpn"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test profiles: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			prof, err := ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			stored := prof.Inlined()
			for _, crlf := range []bool{false, true} {
				in := stored
				if crlf {
					in = bytes.ReplaceAll(stored, []byte("\n"), []byte("\r\n"))
				}
				out := string(ExportText(in))
				for _, s := range secrets {
					if strings.Contains(out, s) {
						t.Errorf("crlf=%v: secret line %q survived", crlf, s)
					}
				}
				if strings.Contains(string(stored), "<ca>") {
					for _, c := range certLines {
						if !strings.Contains(out, c) {
							t.Errorf("crlf=%v: CA line %q was removed", crlf, c)
						}
					}
				}
				keptOutsideBlocks(t, string(in), out)
			}
		})
	}
}

// secretLines returns the lines of a key file worth looking for: the body,
// without comments, armor lines and short lines that occur anywhere.
func secretLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if len(l) >= 16 && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		panic("no secret lines in " + text)
	}
	return out
}

// keptOutsideBlocks checks that every line outside inline blocks is in the
// output unchanged, in order.
func keptOutsideBlocks(t *testing.T, in, out string) {
	t.Helper()
	rest := out
	inBlock := ""
	for _, l := range strings.SplitAfter(in, "\n") {
		trim := strings.TrimSpace(l)
		switch {
		case inBlock != "":
			if strings.HasPrefix(trim, "</"+inBlock+">") {
				inBlock = ""
			}
			continue
		case strings.HasPrefix(trim, "<") && strings.HasSuffix(trim, ">") && !strings.HasPrefix(trim, "</") && trim != "<connection>":
			inBlock = trim[1 : len(trim)-1]
		}
		i := strings.Index(rest, l)
		if i < 0 {
			t.Errorf("line %q is missing or out of order in the output", l)
			return
		}
		rest = rest[i+len(l):]
	}
}

// FuzzExportText checks that ExportText never panics, is idempotent, and
// never lets a base64 line of a private key through.
func FuzzExportText(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.ovpn"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("<key>\r\nx\r</KEY>\n</key>"))
	f.Add([]byte("\xEF\xBB\xBF<cert>\n-----BEGIN EC PRIVATE KEY-----\nabc\n</cert>\n"))
	const marker = "c2VjcmV0LWtleS1tYXRlcmlhbA" // base64 of a fake key line
	f.Fuzz(func(t *testing.T, src []byte) {
		out := ExportText(src)
		if again := ExportText(out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\nin    %q\nonce  %q\ntwice %q", src, out, again)
		}
		keyed := append(append([]byte("<key>\n"), src...), "\n"+marker+"\n"...)
		if bytes.Contains(ExportText(keyed), []byte(marker)) && !bytes.Contains(src, []byte("</key>")) && !bytes.Contains(src, []byte(marker)) {
			t.Fatalf("key material after an unclosed <key> survived: %q", keyed)
		}
	})
}
