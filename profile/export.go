package profile

// ExportText makes a profile safe for a diagnostics bundle. It works on the
// text rather than on a parsed Profile, so that a support engineer sees the
// user's profile line for line, comments, order and all, and so that it also
// works on a profile that no longer parses.
//
// Blocks are found the way the lexer finds them (tokenize, blockTag, a close
// tag at the start of a line after white space), so that what is removed is
// what OpenVPN would have read as the block. Two deliberate differences, both
// towards removing more: a lone '\r' also ends a line (a file with old Mac
// line ends is one long line to OpenVPN, but may still hold a key), and a
// block that is never closed is removed to the end of the text.

import (
	"bytes"
	"strings"
)

// Placeholders that stand for removed content, one line each.
const removedPrefix = "[removed: "

// publicBlocks hold nothing secret and are kept: certificates, CRLs and
// fingerprints. Any other block, including ones cvpn does not know, is
// removed, so a new kind of secret cannot leak by being unknown here.
var publicBlocks = map[string]bool{
	"ca": true, "cert": true, "extra-certs": true, "crl-verify": true, "peer-fingerprint": true, "dh": true,
}

// secretBlocks name what a removed block held.
var secretBlocks = map[string]string{
	"key":                   "private key",
	"tls-auth":              "tls-auth key",
	"tls-crypt":             "tls-crypt key",
	"tls-crypt-v2":          "tls-crypt-v2 client key",
	"secret":                "static key",
	"pkcs12":                "pkcs12 bundle",
	"auth-user-pass":        "username and password",
	"http-proxy-user-pass":  "proxy username and password",
	"socks-proxy-user-pass": "proxy username and password",
}

// credentialDirectives may carry secrets as parameters. A stored profile
// has no file references (they were inlined on import), so any parameter
// but [inline] is either a stray path or credentials typed in the wrong
// place; either way it is dropped.
var credentialDirectives = map[string]bool{
	"auth-user-pass": true, "http-proxy-user-pass": true, "auth-token": true,
	// cvpn's own block for socks-proxy credentials; CUSTOM-HEADER values
	// can be tokens (a Proxy-Authorization header, say).
	"socks-proxy-user-pass": true, "http-proxy-option": true,
}

// publicPEM are the PEM types that may stay inside a kept block; any other
// armored block (a private key pasted into <cert>, say) is removed too.
var publicPEM = map[string]bool{
	"CERTIFICATE": true, "TRUSTED CERTIFICATE": true, "X509 CERTIFICATE": true,
	"X509 CRL": true, "PUBLIC KEY": true, "DH PARAMETERS": true, "CERTIFICATE REQUEST": true,
}

// exportLine is one line of the source: raw is its bytes including the line
// end eol, text the line without it, as the tokenizer wants it.
type exportLine struct {
	raw  []byte
	text string
	eol  string
}

// ExportText returns the profile text src with every secret removed, for a
// diagnostics bundle. The contents of inline blocks that hold keys or
// credentials (<key>, <tls-auth>, <tls-crypt>, <tls-crypt-v2>, <secret>,
// <pkcs12>, <auth-user-pass>, <http-proxy-user-pass>, and any block it does
// not know) become one line "[removed: what]"; certificates (<ca>, <cert>,
// <extra-certs>, <crl-verify>, <peer-fingerprint>) are kept, minus any
// non-certificate PEM block inside them. Parameters of auth-user-pass,
// http-proxy-user-pass and auth-token lines are removed unless they are the
// [inline] marker. A block that is never closed is removed to the end.
// Every other byte, line ends included, is copied unchanged.
func ExportText(src []byte) []byte {
	lines := splitExportLines(src)
	var out bytes.Buffer
	out.Grow(len(src))
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		text := l.text
		if i == 0 {
			text = strings.TrimPrefix(text, utf8BOM)
		}
		toks, bad := tokenize(text)
		name := ""
		switch {
		case bad != "":
			name = firstWord(text)
		case len(toks) > 0:
			if len(toks[0]) >= 3 && strings.HasPrefix(toks[0], "--") {
				toks[0] = toks[0][2:]
			}
			name = toks[0]
		}
		if tag, ok := blockTag(toks); ok && bad == "" && !strings.HasPrefix(tag, "/") {
			if strings.EqualFold(tag, "connection") {
				// A <connection> block holds directives, and may hold
				// inline blocks of its own: read on inside it.
				out.Write(l.raw)
				continue
			}
			i = exportBlock(&out, lines, i, tag)
			continue
		}
		if end, typ, ok := secretArmor(lines, i, len(lines)); ok {
			writeRemoved(&out, pemWhat(typ), lines[end-1].eol)
			i = end - 1
			continue
		}
		if credentialDirectives[strings.ToLower(name)] && hasSecretParams(toks, bad) {
			out.WriteString(keepFirstWord(l.text))
			out.WriteString(" " + removedPrefix + "credentials]")
			out.WriteString(l.eol)
			continue
		}
		out.Write(l.raw)
	}
	return out.Bytes()
}

// exportBlock writes the block opened on line i and returns the index of
// its last line (the close tag, or the last line of the text).
func exportBlock(out *bytes.Buffer, lines []exportLine, i int, tag string) int {
	out.Write(lines[i].raw)
	end := closeLine(lines, i+1, tag)
	if end < 0 {
		if i+1 < len(lines) {
			writeRemoved(out, "<"+printable(tag)+"> is never closed; everything after it", lines[len(lines)-1].eol)
		}
		return len(lines) - 1
	}
	body := lines[i+1 : end]
	lower := strings.ToLower(tag)
	switch {
	case len(body) == 0:
	case publicBlocks[lower]:
		writePublic(out, body)
	default:
		what, ok := secretBlocks[lower]
		if !ok {
			what = "contents of <" + printable(tag) + ">"
		}
		writeRemoved(out, what, body[len(body)-1].eol)
	}
	out.Write(lines[end].raw)
	return end
}

// closeLine finds the line that closes a <tag> block, as the lexer does:
// the first line that starts, after white space, with "</tag>". The tag is
// matched as written, like OpenVPN: "<KEY>" is closed by "</KEY>" only.
func closeLine(lines []exportLine, from int, tag string) int {
	closeTag := "</" + tag + ">"
	for j := from; j < len(lines); j++ {
		if strings.HasPrefix(strings.TrimLeft(lines[j].text, " \t\v\f\r"), closeTag) {
			return j
		}
	}
	return -1
}

// writePublic copies a kept block's lines, except armored PEM blocks of a
// type that is not public.
func writePublic(out *bytes.Buffer, body []exportLine) {
	for k := 0; k < len(body); k++ {
		if end, typ, ok := secretArmor(body, k, len(body)); ok {
			writeRemoved(out, pemWhat(typ), body[end-1].eol)
			k = end - 1
			continue
		}
		out.Write(body[k].raw)
	}
}

// secretArmor reports whether lines[i] begins a PEM block ("-----BEGIN
// TYPE-----") whose type is not public, and where it ends: just after its
// END line, or at limit when there is none.
func secretArmor(lines []exportLine, i, limit int) (end int, typ string, ok bool) {
	typ, ok = pemBegin(lines[i].text)
	if !ok || publicPEM[strings.ToUpper(typ)] {
		return 0, "", false
	}
	for j := i + 1; j < limit; j++ {
		if strings.HasPrefix(strings.TrimSpace(lines[j].text), "-----END ") {
			return j + 1, typ, true
		}
	}
	return limit, typ, true
}

// pemBegin returns the type of a PEM begin line.
func pemBegin(s string) (string, bool) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "-----BEGIN ")
	if !ok {
		return "", false
	}
	return strings.TrimSpace(strings.TrimRight(rest, "-")), true
}

// pemWhat names a removed PEM block.
func pemWhat(typ string) string {
	switch t := strings.ToLower(typ); {
	case strings.Contains(t, "private key"):
		return "private key"
	case strings.Contains(t, "static key"):
		return "static key"
	case strings.Contains(t, "tls-crypt-v2"):
		return "tls-crypt-v2 key"
	}
	return "PEM block"
}

// hasSecretParams reports whether a credential directive line carries
// anything but nothing or the [inline] marker. A line that does not
// tokenize is treated as carrying something.
func hasSecretParams(toks []string, bad string) bool {
	if bad != "" {
		return true
	}
	switch len(toks) {
	case 1:
		return false
	case 2:
		return !isInlineMarker(toks[1])
	}
	return true
}

// keepFirstWord returns a line's leading white space and first word, as
// written.
func keepFirstWord(s string) string {
	start := len(s) - len(strings.TrimLeft(s, " \t\v\f\r"))
	end := start
	for end < len(s) && !isSpace(s[end]) {
		end++
	}
	return s[:end]
}

func writeRemoved(out *bytes.Buffer, what, eol string) {
	out.WriteString(removedPrefix)
	out.WriteString(what)
	out.WriteString("]")
	out.WriteString(eol)
}

// splitExportLines cuts src into lines ending in "\n", "\r\n" or a lone
// "\r"; the last line may have no end.
func splitExportLines(src []byte) []exportLine {
	var lines []exportLine
	for len(src) > 0 {
		i := bytes.IndexAny(src, "\r\n")
		if i < 0 {
			lines = append(lines, exportLine{raw: src, text: string(src)})
			break
		}
		n := i + 1
		if src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n' {
			n++
		}
		lines = append(lines, exportLine{raw: src[:n], text: string(src[:i]), eol: string(src[i:n])})
		src = src[n:]
	}
	return lines
}
