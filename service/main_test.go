package service_test

import (
	"os"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// childRoles are the parts of this test binary that a test runs as another
// uid (testenv.ChildAs): the unprivileged callers of the security tests.
// Files add theirs with registerRole from an init function, so no file
// needs to edit this one.
var childRoles = map[string]func(args []string) int{}

func registerRole(name string, fn func(args []string) int) {
	if _, dup := childRoles[name]; dup {
		panic("service tests: two child roles named " + name)
	}
	childRoles[name] = fn
}

func TestMain(m *testing.M) {
	testenv.DispatchChild(childRoles)
	// lumberjack v2.2.1 starts a mill goroutine per Logger that Close
	// never stops, and every test service opens a log directory.
	os.Exit(testenv.MainNoLeaksExcept(m, "(*Logger).millRun"))
}
