package testenv

import (
	"encoding/json"
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

// OpenFDs counts this process's open descriptors: tests of code that must
// give back every descriptor it opens, even on failure, compare it before
// and after.
func OpenFDs(t testing.TB) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}
