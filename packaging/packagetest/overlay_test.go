//go:build linux

package packagetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// The outer test passes these to itself, re-run in a new mount namespace.
const (
	insideEnv = "CVPN_PACKAGETEST_OVERLAY" // the empty directory to mount the overlay's tmpfs on
	distEnv   = "CVPN_PACKAGETEST_DIST"
)

// reexecInOverlayRoot runs the calling test again, alone, in a private
// mount namespace (unshare -m), where it calls enterOverlayRoot.
func reexecInOverlayRoot(t *testing.T, dist string) {
	t.Helper()
	unshare := testenv.RequireCommand(t, "unshare")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(unshare, "-m", "--propagation", "private", "--",
		exe, "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	// The outer test owns the mount point, so it is removed however the
	// inner one ends; the tmpfs on it vanishes with the namespace.
	cmd.Env = append(os.Environ(), insideEnv+"="+t.TempDir(), distEnv+"="+dist)
	out, err := cmd.CombinedOutput()
	t.Logf("in the overlay root:\n%s", out)
	if err != nil {
		t.Fatalf("the test in the overlay root failed: %v", err)
	}
}

// enterOverlayRoot makes the process's root an overlay of / whose changes
// go to a tmpfs that vanishes with the namespace: dpkg installs, removes
// and purges for real, and the machine's own file system never changes.
// Only the root file system shows through; /proc, /dev and /sys are bound
// in (/run/systemd/system is absent here, as on a machine without systemd).
func enterOverlayRoot(t *testing.T) {
	t.Helper()
	base := os.Getenv(insideEnv)
	must := func(err error, what string) {
		if err != nil {
			t.Fatalf("overlay root: %s: %v", what, err)
		}
	}
	must(syscall.Mount("tmpfs", base, "tmpfs", 0, "mode=0755"), "mount tmpfs")
	upper, work, root := filepath.Join(base, "upper"), filepath.Join(base, "work"), filepath.Join(base, "root")
	for _, d := range []string{upper, work, root} {
		must(os.Mkdir(d, 0o755), "mkdir")
	}
	must(syscall.Mount("overlay", root, "overlay", 0, "lowerdir=/,upperdir="+upper+",workdir="+work), "mount overlay")
	for _, d := range []string{"/proc", "/dev", "/sys"} {
		must(syscall.Mount(d, filepath.Join(root, d), "", syscall.MS_BIND|syscall.MS_REC, ""), "bind "+d)
	}
	must(syscall.Chroot(root), "chroot")
	must(os.Chdir("/"), "chdir")
}
