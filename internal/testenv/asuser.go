package testenv

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// The portable half of running test roles as other uids (asuser_linux.go
// starts them): every package's TestMain may dispatch, on any OS.

const (
	childRoleEnv = "CVPN_TEST_CHILD_ROLE"
	childArgsEnv = "CVPN_TEST_CHILD_ARGS"
)

// Nobody is the uid and gid of the unprivileged account the tests borrow.
const Nobody = 65534

// DispatchChild runs the role named by the environment, if any, and exits
// with its status. Call it first in TestMain.
func DispatchChild(roles map[string]func(args []string) int) {
	name := os.Getenv(childRoleEnv)
	if name == "" {
		return
	}
	fn, ok := roles[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "testenv: no child role %q\n", name)
		os.Exit(2)
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv(childArgsEnv)), &args); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: child args: %v\n", err)
		os.Exit(2)
	}
	os.Exit(fn(args))
}

// WorldDir makes a directory every user can traverse (t.TempDir is 0700),
// removed when the test ends: for sockets and binaries another uid must
// reach.
func WorldDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cvpn-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
