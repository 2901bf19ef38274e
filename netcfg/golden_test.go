package netcfg

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// checkGolden compares the calls an OS layer made (got) with
// testdata/OS/NAME.golden, or rewrites that file with -update:
//
//	go test ./netcfg -run Golden -update
func checkGolden(t *testing.T, osName, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", osName, name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("calls differ from %s\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

// noGoroutineLeak fails t if, 5 s after a watch stopped, more goroutines
// run than before it started.
func noGoroutineLeak(t *testing.T, before int) {
	t.Helper()
	if n, stacks := testenv.GoroutinesLeft(before, 5*time.Second); n > before {
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, stacks)
	}
}
