package openvpn

import (
	"os"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestMain fails the package when its tests leave goroutines running: a
// leak here becomes a leak in the long-running service.
func TestMain(m *testing.M) { os.Exit(testenv.MainNoLeaks(m)) }
