package profile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid is matched (errors.Is) by every error that comes from the content
// of a profile, as opposed to an I/O failure reading it. Callers use it to tell
// "fix your profile" (exit status 2 in the CLI) from "something broke" (1).
var ErrInvalid = errors.New("invalid profile")

// MaxErrors caps how many problems one parse reports. Past it, the parser stops:
// a file that bad is probably not a profile at all.
const MaxErrors = 50

// Error is one problem in a profile, tied to the place it was found.
type Error struct {
	File      string // the profile's name as given to the parser, e.g. "corp.ovpn"
	Line      int    // 1-based; 0 when the problem is the profile as a whole
	Directive string // the directive at fault; "" when none applies
	Msg       string // what is wrong
	Fix       string // what to do about it; "" when obvious from Msg
}

// Error formats as "file:line: directive: message — fix", the shape compilers
// use, so editors can jump to the line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Directive != "" {
		b.WriteString(printable(e.Directive))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Fix != "" {
		b.WriteString(" — ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Is reports ErrInvalid so that callers need not know the concrete type.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// ErrorList is every problem found in one profile, in file order.
type ErrorList []*Error

// Error joins the problems one per line.
func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Is reports ErrInvalid even for an empty list, which never escapes the parser
// but keeps the method total.
func (l ErrorList) Is(target error) bool { return target == ErrInvalid }

// Warning is a problem that does not stop cvpn from using the profile, such as
// a deprecated or ignored directive.
type Warning struct {
	Line      int    `json:"line,omitempty"`
	Directive string `json:"directive,omitempty"`
	Text      string `json:"text"`
}

// String formats as "line N: directive: text".
func (w Warning) String() string {
	var b strings.Builder
	if w.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", w.Line)
	}
	if w.Directive != "" {
		b.WriteString(printable(w.Directive))
		b.WriteString(": ")
	}
	b.WriteString(w.Text)
	return b.String()
}

// printable makes text from a profile safe to show on a terminal: control
// characters and invalid UTF-8 are quoted, and long strings are cut, because
// the text may come from a hostile file.
func printable(s string) string {
	const max = 64
	ok := utf8.ValidString(s)
	for _, r := range s {
		if !ok || !unicode.IsPrint(r) {
			ok = false
			break
		}
	}
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	if ok {
		return s
	}
	return strconv.QuoteToASCII(s)
}
