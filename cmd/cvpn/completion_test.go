package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestHelpOnEveryCommand walks the whole command tree: every group and
// every command answers -h, -help and --help, and help PATH, with its
// usage on stdout and exit status 0, without running.
func TestHelpOnEveryCommand(t *testing.T) {
	t.Setenv("CVPN_CONFIG_DIR", t.TempDir())
	for _, n := range walk(commands, nil) {
		want := "Usage: cvpn " + n.key()
		cases := [][]string{append([]string{"help"}, n.path...)}
		for _, h := range []string{"-h", "-help", "--help"} {
			cases = append(cases, append(append([]string(nil), n.path...), h))
		}
		for _, args := range cases {
			var out, errOut bytes.Buffer
			a := &app{stdout: &out, stderr: &errOut, store: storeFromEnv}
			if code := a.run(args); code != exitOK {
				t.Errorf("cvpn %s: exit %d, want 0\nstderr: %s", strings.Join(args, " "), code, errOut.String())
				continue
			}
			if !strings.Contains(out.String(), want) {
				t.Errorf("cvpn %s: stdout lacks %q:\n%s", strings.Join(args, " "), want, out.String())
			}
			if n.cmd.sub == nil {
				for _, f := range flagsOfCommand(n.cmd) {
					if !strings.Contains(out.String(), "-"+f.name) {
						t.Errorf("cvpn %s: usage lacks the flag -%s", strings.Join(args, " "), f.name)
					}
				}
			}
		}
	}
	// Help after the arguments goes through the flag package, to stdout.
	for _, args := range [][]string{{"profile", "import", "x.ovpn", "-h"}, {"logs", "export", "--help"}, {"connect", "corp", "--help"}} {
		var out, errOut bytes.Buffer
		a := &app{stdout: &out, stderr: &errOut, store: storeFromEnv}
		if code := a.run(args); code != exitOK || !strings.Contains(out.String(), "Usage: cvpn "+args[0]) {
			t.Errorf("cvpn %s: exit %d, stdout %q", strings.Join(args, " "), code, out.String())
		}
	}
}

func scripts(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		var b, e bytes.Buffer
		a := &app{stdout: &b, stderr: &e, store: storeFromEnv}
		if code := a.run([]string{"completion", sh}); code != exitOK {
			t.Fatalf("cvpn completion %s: exit %d: %s", sh, code, e.String())
		}
		out[sh] = b.String()
	}
	return out
}

// TestCompletionScriptsParse has each shell check its script's syntax.
func TestCompletionScriptsParse(t *testing.T) {
	dir := t.TempDir()
	check := map[string][]string{"bash": {"-n"}, "zsh": {"-n"}, "fish": {"--no-execute"}}
	for sh, text := range scripts(t) {
		t.Run(sh, func(t *testing.T) {
			bin := testenv.RequireCommand(t, sh)
			file := filepath.Join(dir, "cvpn."+sh)
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, append(check[sh], file)...).CombinedOutput()
			if err != nil || len(out) > 0 {
				t.Fatalf("%s %v: %v\n%s", sh, check[sh], err, out)
			}
		})
	}
}

// TestCompletionAndManCoverTree checks that every command and every flag
// of the tree is in each completion script and in the man page.
func TestCompletionAndManCoverTree(t *testing.T) {
	docs := scripts(t)
	var man bytes.Buffer
	writeMan(&man, commands)
	docs["man"] = man.String()
	for _, n := range walk(commands, nil) {
		for doc, text := range docs {
			// The scripts move into a command on "PARENT:NAME".
			name := shQuote(strings.Join(n.path[:len(n.path)-1], " ") + ":" + n.cmd.name)
			if doc == "man" {
				name = roff(n.key())
			}
			if !strings.Contains(text, name) {
				t.Errorf("%s lacks the command %q", doc, n.key())
			}
			for _, f := range flagsOfCommand(n.cmd) {
				want := f.spelling()
				switch doc {
				case "man":
					want = `\fB` + roff(f.spelling()) + `\fR`
				case "fish":
					want = "-l " + f.name
					if len(f.name) == 1 {
						want = "-s " + f.name
					}
				}
				if !strings.Contains(text, want) {
					t.Errorf("%s lacks %s's flag %q", doc, n.key(), want)
				}
			}
		}
	}
}

// TestBashCompletionRuns sources the script in a real bash, sets the words
// as bash would, and reads COMPREPLY: subcommands, flags, literal words and
// the stored profiles' names (asked of a real cvpn binary).
func TestBashCompletionRuns(t *testing.T) {
	bash := testenv.RequireCommand(t, "bash")
	goBin := testenv.RequireCommand(t, "go")
	dir := t.TempDir()
	bin := filepath.Join(dir, "cvpn")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "config")
	t.Setenv("CVPN_CONFIG_DIR", cfg)
	t.Setenv("CVPN_MANAGED_DIR", filepath.Join(dir, "managed"))
	a := &app{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer), store: storeFromEnv}
	if code := a.run([]string{"profile", "import", testdata("aws-saml.ovpn"), "--name", "lab east"}); code != exitOK {
		t.Fatalf("import: exit %d", code)
	}
	script := filepath.Join(dir, "cvpn.bash")
	if err := os.WriteFile(script, []byte(scripts(t)["bash"]), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		words []string // after the binary; the last is the one completed
		want  []string
		not   []string
	}{
		{words: []string{"con"}, want: []string{"connect"}, not: []string{"profile"}},
		{words: []string{""}, want: []string{"profile", "connect", "completion", "man", "help"}},
		{words: []string{"connect", "l"}, want: []string{"lab east"}},
		{words: []string{"connect", "--auth"}, want: []string{"--auth-file"}},
		{words: []string{"connect", "--dev", "x", "lab"}, want: []string{"lab east"}},
		{words: []string{"profile", "im"}, want: []string{"import"}},
		{words: []string{"profile", "show", ""}, want: []string{"lab east"}},
		{words: []string{"profile", "list", "--"}, want: []string{"--json", "--names", "--help"}},
		{words: []string{"completion", ""}, want: []string{"bash", "zsh", "fish"}},
		{words: []string{"logs", "ex"}, want: []string{"export"}},
		{words: []string{"logs", "-"}, want: []string{"-f", "-n", "--connections"}},
		{words: []string{"help", "se"}, want: []string{"service", "settings"}},
	}
	for _, tt := range tests {
		words := append([]string{bin}, tt.words...)
		var q []string
		for _, w := range words {
			q = append(q, shQuote(w))
		}
		prog := "source " + shQuote(script) + "\nCOMP_WORDS=(" + strings.Join(q, " ") + ")\n" +
			"COMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n_cvpn\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%v: %v\n%s", tt.words, err, out)
			continue
		}
		got := strings.Split(strings.TrimSpace(string(out)), "\n")
		for _, w := range tt.want {
			if !contains(got, w) {
				t.Errorf("complete cvpn %q: got %q, want %q among them", tt.words, got, w)
			}
		}
		for _, w := range tt.not {
			if contains(got, w) {
				t.Errorf("complete cvpn %q: got %q, which should not be offered", tt.words, w)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
