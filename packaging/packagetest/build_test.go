//go:build linux

package packagetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
)

// One `make package` serves every test: the cross builds are the cost.
var (
	buildOnce sync.Once
	distDir   string
	buildErr  error
	tmpRoot   string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if tmpRoot != "" {
		os.RemoveAll(tmpRoot)
	}
	os.Exit(code)
}

// repoRoot is the module root, two folders up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// dist runs `make package PRECONFIG=testdata/preconfig` into a temporary
// directory once, and returns that directory.
func dist(t *testing.T) string {
	t.Helper()
	testenv.RequireRoot(t) // make package installs what it needs with apt
	for _, c := range []string{"make", "dpkg-deb", "wixl", "msiinfo", "rpm", "x86_64-w64-mingw32-gcc"} {
		testenv.RequireCommand(t, c)
	}
	root := repoRoot(t)
	buildOnce.Do(func() {
		tmpRoot, buildErr = os.MkdirTemp("", "cvpn-package-")
		if buildErr != nil {
			return
		}
		distDir = filepath.Join(tmpRoot, "dist")
		pre, _ := filepath.Abs("testdata/preconfig")
		start := time.Now()
		cmd := exec.Command("make", "--no-print-directory", "package", "DIST="+distDir, "PRECONFIG="+pre)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("make package: %v\n%s", err, out)
			return
		}
		fmt.Printf("make package took %s\n%s", time.Since(start).Round(time.Second), tail(string(out), 20))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return distDir
}

func tail(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}

// one returns the single file in dir matching pattern.
func one(t *testing.T, dir, pattern string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(m) != 1 {
		ents, _ := os.ReadDir(dir)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("want one %s in %s, found %v (the directory has %v)", pattern, dir, m, names)
	}
	return m[0]
}

// run runs a command and returns its combined output; it fails t on error.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// TestPackageOutputs: make package builds every installer it promises.
func TestPackageOutputs(t *testing.T) {
	d := dist(t)
	for _, p := range []string{
		"cvpn_*_amd64.deb", "cvpn_*_arm64.deb", "cvpn-*.x86_64.rpm", "cvpn-*.aarch64.rpm",
		"cvpn-config_*_all.deb", "cvpn-config-*.noarch.rpm", "cvpn-*-x64.msi",
		"darwin-amd64/cvpn", "darwin-arm64/cvpn", "NOTES.txt",
	} {
		f := one(t, d, p)
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s is empty or missing: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(d, ".work")); err == nil {
		t.Error("make package left its .work directory behind")
	}
	notes, _ := os.ReadFile(filepath.Join(d, "NOTES.txt"))
	t.Logf("NOTES.txt:\n%s", notes)
}

// globRepo matches pattern in the repository.
func globRepo(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(repoRoot(t), pattern))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
