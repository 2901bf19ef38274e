package netcfg

import (
	"strings"
	"testing"
)

// FuzzParseSCUtilShow feeds scutil's output to the macOS DNS watch's
// parser, which decides whether someone changed the tunnel's DNS. Any text
// must give an answer without panicking, and a text that is not a
// dictionary of plain keys must never be taken for one.
func FuzzParseSCUtilShow(f *testing.F) {
	f.Add(ourSCUtilShow)
	f.Add("  No such key\n")
	f.Add("<dictionary> {\n  Options : <dictionary> {\n    x : 1\n  }\n}\n")
	f.Add("<dictionary> {\n  A : <array> {\n    1 : x\n  }\n}\n")
	f.Fuzz(func(t *testing.T, out string) {
		got, ok := parseSCUtilShow(out)
		if ok && got != "no such key" && !strings.Contains(out, "<dictionary> {") {
			t.Fatalf("parsed %q from text with no dictionary: %q", got, out)
		}
		again, ok2 := parseSCUtilShow(out)
		if again != got || ok2 != ok {
			t.Fatalf("two parses differ: %q/%v and %q/%v", got, ok, again, ok2)
		}
	})
}
