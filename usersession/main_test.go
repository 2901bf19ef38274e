package usersession

import (
	"os"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestMain fails the package when a test leaves goroutines running:
// Connect starts one per connect, which must end with its event stream.
func TestMain(m *testing.M) { os.Exit(testenv.MainNoLeaks(m)) }
