package profile

import (
	"reflect"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		line string
		want []string
		bad  string // substring of the problem; "" when the line is fine
	}{
		{line: "remote vpn.example.com 443 udp", want: []string{"remote", "vpn.example.com", "443", "udp"}},
		{line: "  \tremote\t host  ", want: []string{"remote", "host"}},
		{line: "", want: nil},
		{line: "# comment", want: nil},
		{line: "; comment", want: nil},
		{line: "remote host # trailing comment", want: []string{"remote", "host"}},
		{line: "remote host#notacomment", want: []string{"remote", "host#notacomment"}},
		{line: `static-challenge "Enter MFA code " 1`, want: []string{"static-challenge", "Enter MFA code ", "1"}},
		{line: `a "x \"y\" \\z"`, want: []string{"a", `x "y" \z`}},
		{line: `a 'C:\dir\file' b`, want: []string{"a", `C:\dir\file`, "b"}},
		{line: `a 'it"s'`, want: []string{"a", `it"s`}},
		{line: `a C:\\dir\\file`, want: []string{"a", `C:\dir\file`}},
		{line: `a my\ file`, want: []string{"a", "my file"}},
		{line: `a \"quoted\"`, want: []string{"a", `"quoted"`}},
		{line: `a ""`, want: []string{"a", ""}},
		{line: `a "x"y`, want: []string{"a", "x", "y"}},
		{line: "a b\r", want: []string{"a", "b"}},
		{line: `a \#x`, want: []string{"a"}}, // OpenVPN checks for a comment before the escape
		{line: `a "unterminated`, bad: "closing double quote"},
		{line: `a 'unterminated`, bad: "closing single quote"},
		{line: `a C:\dir`, bad: "bad backslash"},
		{line: `a "C:\dir"`, bad: "bad backslash"},
		{line: `a b\`, bad: "ends with a backslash"},
		{line: "a " + strings.Repeat("x", MaxParamLen+1), bad: "longer than 256"},
		{line: strings.Repeat("a ", MaxParams+1), bad: "more than 16"},
	}
	for _, tt := range tests {
		got, bad := tokenize(tt.line)
		if tt.bad != "" {
			if !strings.Contains(bad, tt.bad) {
				t.Errorf("tokenize(%q) problem = %q, want it to contain %q", tt.line, bad, tt.bad)
			}
			continue
		}
		if bad != "" {
			t.Errorf("tokenize(%q) problem %q", tt.line, bad)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("tokenize(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}

func TestLexerShapes(t *testing.T) {
	ca := readTestdata(t, "ca.crt")
	tests := []struct {
		name string
		text string
		ok   bool
		want string // an error substring when !ok
	}{
		{"crlf and bom", "\xEF\xBB\xBFclient\r\ndev tun\r\nremote h\r\nauth-user-pass\r\n<ca>\r\n" + strings.ReplaceAll(ca, "\n", "\r\n") + "</ca>\r\n", true, ""},
		{"double dash", "--client\n--dev tun\n--remote h\n--auth-user-pass\n" + block("ca", ca), true, ""},
		{"indented close tag", "client\ndev tun\nremote h\nauth-user-pass\n<ca>\n" + ca + "   </ca>\n", true, ""},
		{"close tag prefix", "client\ndev tun\nremote h\nauth-user-pass\n<ca>\n" + ca + "</ca> trailing\n", true, ""},
		{"tag with comment", "client\ndev tun\nremote h\nauth-user-pass\n<ca> # the CA\n" + ca + "</ca>\n", true, ""},
		{"unterminated", "client\nremote h\n<ca>\n" + ca, false, "test.ovpn:3: ca: <ca> block is never closed — add a line </ca>"},
		{"stray close", profileWith(t, "</key>"), false, "test.ovpn:1: </key>: closing tag without an opening <key>"},
		{"tag not alone", profileWith(t, "<ca> x"), false, "test.ovpn:1: <ca>: an inline block tag must stand alone"},
		{"unknown block", profileWith(t, "<frobnicate>", "x", "</frobnicate>"), false, "test.ovpn:1: frobnicate: unknown directive"},
		{"block of a plain option", profileWith(t, "<remote>", "x", "</remote>"), false, "test.ovpn:1: remote: cannot be an inline <remote> block"},
		{"nul byte", "client\nremote h\x00\n", false, "test.ovpn:2: contains a NUL byte"},
		{"long line", profileWith(t, "# "+strings.Repeat("x", MaxLineLen)), false, "test.ovpn:1: line is longer than 4096 bytes"},
		{"huge block", profileWith(t, "<key>", strings.Repeat("A", MaxFileSize+10), "</key>"), false, "test.ovpn:1: key: <key> block is larger than 1024 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseText(tt.text)
			if tt.ok {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLexerLimits(t *testing.T) {
	if _, err := parseText(strings.Repeat("\n", MaxLines+1)); err == nil || !strings.Contains(err.Error(), "more than 100000 lines") {
		t.Errorf("too many lines: %v", err)
	}
	if _, err := parseText(strings.Repeat("#", MaxProfileSize+1)); err == nil || !strings.Contains(err.Error(), "larger than 4 MiB") {
		t.Errorf("too large: %v", err)
	}
	if _, err := parseText(""); err == nil || !strings.Contains(err.Error(), "names no server") {
		t.Errorf("empty profile: %v", err)
	}
}
