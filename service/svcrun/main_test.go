package svcrun

import (
	"os"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestMain fails the package when its tests leave goroutines running: a
// leak here becomes a leak in the long-running service. os/signal's
// loop runs from the first Notify to the end of the process.
func TestMain(m *testing.M) {
	os.Exit(testenv.MainNoLeaksExcept(m, "os/signal.loop"))
}
