package profile

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
)

// source is the profile text kept for Inlined, with the lines to write
// differently: file references become inline blocks, [inline] placeholders
// disappear.
type source struct {
	lines []srcLine
	repl  map[int][]string // by line number
}

// Inlined returns the profile as one self-contained .ovpn text: every file
// reference is replaced by an inline block holding the file's content, so a
// stored profile needs nothing else. Comments and order are kept, line ends
// become LF and a byte-order mark is dropped. It returns nil for a Profile
// that did not come from Parse.
func (p *Profile) Inlined() []byte {
	if p == nil || p.src == nil {
		return nil
	}
	var b strings.Builder
	for _, l := range p.src.lines {
		if r, ok := p.src.repl[l.num]; ok {
			for _, x := range r {
				b.WriteString(x)
				b.WriteByte('\n')
			}
			continue
		}
		b.WriteString(l.text)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// isInlineMarker reports the "[inline]" file name that OpenVPN 2.4-era
// generators write for "the block is elsewhere in this file".
func isInlineMarker(s string) bool {
	return strings.EqualFold(s, "[inline]") || strings.EqualFold(s, "[[inline]]")
}

// fileArg returns the content of a file-valued directive: the block body, the
// referenced file (read with a size cap), or, for [inline], a placeholder.
// fromFile tells the handler to record an inline replacement.
func (p *parser) fileArg(d *directive) (data []byte, placeholder, fromFile, ok bool) {
	if d.inline {
		return []byte(d.body), false, false, true
	}
	arg := d.args[0]
	if isInlineMarker(arg) {
		return nil, true, false, true
	}
	block := "<" + d.name + "> ... </" + d.name + ">"
	if p.dir == "" {
		p.errorf(d.line, d.name, "refers to the file %q, but this profile was given without its directory",
			"paste the file's contents into a "+block+" block in the profile", printable(arg))
		return nil, false, false, false
	}
	path := arg
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.dir, path)
	}
	data, err := readCapped(path, MaxFileSize)
	if err != nil {
		fix := "put the file next to the profile, or paste its contents into a " + block + " block"
		if d.name == "auth-user-pass" {
			// Providers ship "auth-user-pass login.txt" and expect the
			// user to create the file; asking is simpler.
			fix = "write a bare `auth-user-pass` to be asked when connecting (cvpn can remember the password in the keyring), or create the file next to the profile: username on line 1, password on line 2"
		}
		p.errorf(d.line, d.name, "cannot read %q: %s", fix, printable(arg), ioReason(err))
		return nil, false, false, false
	}
	return data, false, true, true
}

// ioReason shortens an I/O error for a message that already names the file.
func ioReason(err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.As(err, &pe):
		return pe.Err.Error()
	}
	return err.Error()
}

// inlineAs records that line d.line becomes a <tag> block of text followed
// by the given lines (a key-direction must follow the block: inside a
// <connection> block OpenVPN resets the direction at every tls-auth). A file
// whose own lines would close the block early cannot be inlined.
func (p *parser) inlineAs(d *directive, tag, text string, after ...string) bool {
	closeTag := "</" + tag + ">"
	if strings.IndexByte(text, 0) >= 0 {
		p.errorf(d.line, d.name, "the file is binary, not text", "check that the line names the right file")
		return false
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " \t\v\f\r"), closeTag) {
			p.errorf(d.line, d.name, "the file contains a %s line and cannot be inlined", "remove that line from the file", closeTag)
			return false
		}
	}
	out := []string{"<" + tag + ">"}
	out = append(out, strings.Split(strings.TrimSuffix(text, "\n"), "\n")...)
	out = append(out, closeTag)
	out = append(out, after...)
	p.src.repl[d.line] = out
	return true
}

// dropLine records that a placeholder line vanishes from Inlined output,
// replaced by the given lines (a key-direction, say).
func (p *parser) dropLine(d *directive, instead ...string) {
	if instead == nil {
		instead = []string{}
	}
	p.src.repl[d.line] = instead
}

// wrapBase64 formats DER for an inline <pkcs12> block, 64 columns like
// openssl base64.
func wrapBase64(der []byte) string {
	s := base64.StdEncoding.EncodeToString(der)
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64])
		b.WriteByte('\n')
		s = s[64:]
	}
	b.WriteString(s)
	b.WriteByte('\n')
	return b.String()
}
