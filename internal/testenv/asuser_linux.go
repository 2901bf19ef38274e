package testenv

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// Security tests must show what a real unprivileged user can do to the root
// service, through the kernel's own peer credentials, so they run code as
// another uid. The simplest code to run is the test binary itself: the
// package's TestMain calls DispatchChild first, and a test starts a role
// with ChildAs. The binary is copied into a directory every user can
// traverse, because `go test` builds it in a 0700 directory.

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

// ChildAs returns a command that runs role in a copy of the test binary as
// uid and gid (not yet started). It needs root; the copy and its directory
// (mode 0755) are removed when the test ends.
func ChildAs(t testing.TB, uid, gid int, role string, args ...string) *exec.Cmd {
	t.Helper()
	RequireRoot(t)
	bin := sharedBinary(t)
	a, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), childRoleEnv+"="+role, childArgsEnv+"="+string(a))
	cmd.Dir = filepath.Dir(bin)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	return cmd
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

func sharedBinary(t testing.TB) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(WorldDir(t), filepath.Base(self))
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}
