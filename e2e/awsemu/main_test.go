package awsemu_test

import (
	"os"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestMain fails the package when a test leaves goroutines running: the
// emulator starts several per server and one per session, which must all
// end with Close.
func TestMain(m *testing.M) { os.Exit(testenv.MainNoLeaks(m)) }
