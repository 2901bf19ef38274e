// Package testenv decides whether a test that needs privileges or system
// tools may run here. On a developer laptop such tests skip with a reason;
// under CI=true they fail instead, so CI can never pass by skipping them.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

// InCI reports whether the tests run in CI (CI=true), where nothing may skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// T is the part of testing.TB the rule needs, so helpers that keep the
// testing package out of their programs (the e2e lab) can use it too.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// Unavailable skips t with reason, or fails it when running in CI.
func Unavailable(t T, format string, args ...any) {
	t.Helper()
	SkipOrFail(t, fmt.Errorf(format, args...), InCI())
}

// SkipOrFail applies the rule to a missing prerequisite err (nil: nothing
// missing): skip with the reason, or fail with it when ci is set.
func SkipOrFail(t T, err error, ci bool) {
	t.Helper()
	if err == nil {
		return
	}
	if ci {
		t.Fatalf("%v (CI=true, so this is a failure, not a skip)", err)
		return
	}
	t.Skipf("%v (set CI=true to fail instead of skip)", err)
}

// RequireRoot needs Linux, root and a TUN driver.
func RequireRoot(t T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		Unavailable(t, "needs Linux, running on %s", runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root (run the tests as root, e.g. sudo make test)")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		Unavailable(t, "needs /dev/net/tun: %v", err)
	}
}

// RequireCommand needs an executable on PATH (or at an absolute path).
func RequireCommand(t T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, "needs %s (apt-get install it, or run make test which does)", name)
	}
	return p
}
