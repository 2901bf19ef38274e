//go:build linux

package lab

import (
	"os"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestMain fails the package when its tests leave goroutines running: a
// leak here would pile up over a CI run. The signal hook and os/signal's
// loop live as long as the process by design.
func TestMain(m *testing.M) {
	os.Exit(testenv.MainNoLeaksExcept(m, "os/signal.loop", "e2e/lab.hookSignals"))
}
