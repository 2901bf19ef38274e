package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestManRenders has groff format the page with every warning on, and
// checks the sections a man page is expected to have.
func TestManRenders(t *testing.T) {
	var page bytes.Buffer
	a := &app{stdout: &page, stderr: new(bytes.Buffer), store: storeFromEnv}
	if code := a.run([]string{"man"}); code != exitOK {
		t.Fatalf("cvpn man: exit %d", code)
	}
	for _, s := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "ENVIRONMENT", "FILES", "EXIT STATUS", "SEE ALSO"} {
		if !strings.Contains(page.String(), "\n.SH "+s+"\n") {
			t.Errorf("the man page lacks the section %s", s)
		}
	}
	groff := testenv.RequireCommand(t, "groff")
	// -P-cbou: plain text, without bold, underline or colour.
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-P-cbou")
	cmd.Stdin = bytes.NewReader(page.Bytes())
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil || errOut.Len() > 0 {
		t.Fatalf("groff: %v\n%s", err, errOut.String())
	}
	text := out.String()
	for _, want := range []string{"cvpn profile import FILE", "--auth-file", "CVPN_CONFIG_DIR"} {
		if !strings.Contains(text, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
}

func TestRoffEscapes(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"--json", `\-\-json`},
		{`C:\x`, `C:\ex`},
		{".hidden", `\&.hidden`},
		{"'quote", `\&'quote`},
	} {
		if got := roff(tt.in); got != tt.want {
			t.Errorf("roff(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
