package profile

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLen caps profile names, in bytes; they become file names.
const MaxNameLen = 64

// windowsReserved are device names Windows will not create files for, even
// with an extension ("CON.ovpn").
var windowsReserved = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true}

// nameRune is a character allowed in a profile name: letters, digits, and a
// few punctuation marks that are safe in file names on every OS.
func nameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" -_.+@()", r)
}

// ValidName checks a profile name. Names become file names in the store, so
// path separators, "..", leading dots, control characters and Windows
// device names are refused, the same on every OS so that profiles move
// between machines.
func ValidName(name string) error {
	bad := func(why string) error { return fmt.Errorf("%w %q: %s", ErrBadName, printable(name), why) }
	switch {
	case name == "":
		return bad("the name is empty")
	case len(name) > MaxNameLen:
		return bad(fmt.Sprintf("longer than %d bytes", MaxNameLen))
	case !utf8.ValidString(name):
		return bad("not valid UTF-8")
	case strings.Contains(name, ".."):
		return bad(`contains ".."`)
	}
	first, _ := utf8.DecodeRuneInString(name)
	if !unicode.IsLetter(first) && !unicode.IsDigit(first) {
		return bad("must start with a letter or digit")
	}
	if strings.HasSuffix(name, " ") || strings.HasSuffix(name, ".") {
		return bad("must not end with a space or a dot")
	}
	for _, r := range name {
		if !nameRune(r) {
			return bad(fmt.Sprintf("%q is not allowed; use letters, digits, spaces and - _ . + @ ( )", r))
		}
	}
	if base, _, _ := strings.Cut(name, "."); windowsReserved[strings.ToUpper(strings.TrimSpace(base))] {
		return bad("is a reserved device name on Windows")
	}
	return nil
}

// NameFromFile derives a profile name from a file name: the base name
// without .ovpn or .conf, with characters a name may not hold replaced by
// "-". The result may still be invalid (ValidName says why).
func NameFromFile(path string) string {
	base := filepath.Base(strings.ReplaceAll(path, `\`, "/"))
	for _, e := range []string{".ovpn", ".conf", ".OVPN", ".CONF"} {
		base = strings.TrimSuffix(base, e)
	}
	var b strings.Builder
	for _, r := range base {
		if !nameRune(r) {
			r = '-'
		}
		if b.Len()+utf8.RuneLen(r) > MaxNameLen {
			break
		}
		b.WriteRune(r)
	}
	name := strings.ReplaceAll(b.String(), "..", "-")
	name = strings.TrimLeftFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return strings.TrimRight(name, " .")
}
