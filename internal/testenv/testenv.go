// Package testenv decides whether a test that needs privileges or system
// tools may run here. On a developer laptop such tests skip with a reason;
// under CI=true they fail instead, so CI can never pass by skipping them.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// InCI reports whether the tests run in CI (CI=true), where nothing may skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips t with reason, or fails it when running in CI.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("required in CI but unavailable: %s", reason)
	}
	t.Skip(reason)
}

// RequireRoot needs Linux, root and a TUN driver.
func RequireRoot(t testing.TB) {
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
func RequireCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, "needs %s (apt-get install it, or run make test which does)", name)
	}
	return p
}
