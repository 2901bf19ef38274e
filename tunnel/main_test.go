package tunnel

import (
	"os"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestMain fails the package when its tests leave goroutines running: a
// leak here becomes a leak in the long-running service. lumberjack's mill
// goroutine outlives Logger.Close by its own design (v2.2.1).
func TestMain(m *testing.M) {
	os.Exit(testenv.MainNoLeaksExcept(m, "lumberjack%2ev2.(*Logger).millRun"))
}
