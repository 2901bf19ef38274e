package saml

import (
	"os"
	"testing"
)

// TestMain forgets who ran the tests through sudo: the browser commands
// the tests start write into the test's own (root-only) temp dirs, and
// would fail if detach ran them as the invoking user.
func TestMain(m *testing.M) {
	os.Unsetenv("SUDO_UID")
	os.Unsetenv("PKEXEC_UID")
	os.Exit(m.Run())
}
