package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// EngineFree is what the user's side (the CLI's client half, the GUI)
// must never link: the engine, the tunnel manager, the OS network layer,
// the TUN device and netlink (the architecture's one-way dependencies).
var EngineFree = []string{
	"github.com/cvpn/cvpn/openvpn",
	"github.com/cvpn/cvpn/tunnel",
	"github.com/cvpn/cvpn/netcfg",
	"github.com/cvpn/cvpn/tun",
	"github.com/vishvananda/netlink",
}

// CheckNoDeps fails t if the package in the current directory depends on
// any of forbidden (or a package below one), on any OS it ships on. The
// import graph is asked of the go command itself, so a platform-only
// import cannot slip in.
func CheckNoDeps(t *testing.T, forbidden []string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		Unavailable(t, "go is not in PATH: %v", err)
		return
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		t.Run(goos, func(t *testing.T) {
			cmd := exec.Command(goBin, "list", "-deps", ".")
			cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go list -deps: %v\n%s", err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range forbidden {
					if dep == f || strings.HasPrefix(dep, f+"/") {
						t.Errorf("depends on %s", dep)
					}
				}
			}
		})
	}
}
