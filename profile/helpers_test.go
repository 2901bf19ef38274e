package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readTestdata returns a testdata file's content.
func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// block wraps content in an inline block.
func block(tag, content string) string {
	return "<" + tag + ">\n" + strings.TrimSpace(content) + "\n</" + tag + ">"
}

// profileWith builds a minimal valid profile with extra lines first, so that
// the first extra line is line 1 in error messages.
func profileWith(t testing.TB, extra ...string) string {
	t.Helper()
	lines := append([]string{}, extra...)
	lines = append(lines, "client", "dev tun", "remote vpn.example.com 1194", "auth-user-pass",
		block("ca", readTestdata(t, "ca.crt")))
	return strings.Join(lines, "\n") + "\n"
}

func parseText(text string) (*Profile, error) {
	return Parse([]byte(text), ParseOptions{Name: "test.ovpn"})
}

func mustParse(t testing.TB, text string) *Profile {
	t.Helper()
	p, err := parseText(text)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return p
}

// errorsOf returns the individual problems of a parse error.
func errorsOf(t testing.TB, err error) ErrorList {
	t.Helper()
	if err == nil {
		t.Fatal("parse succeeded; want an error")
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error %T is not an ErrorList: %v", err, err)
	}
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("error does not match ErrInvalid: %v", err)
	}
	return list
}

// hasWarning reports whether a warning's text contains sub.
func hasWarning(p *Profile, sub string) bool {
	for _, w := range p.Warnings {
		if strings.Contains(w.String(), sub) {
			return true
		}
	}
	return false
}
