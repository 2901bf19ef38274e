package usersession

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The GUI links this package, and it runs as the user: it must not link the engine, the tunnel
// manager, the OS network layer or netlink (the architecture's one-way
// dependencies). The import graph is asked of the go command itself, for
// every OS the client ships on, so a platform-only import cannot slip in.
func TestNoEngineDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("go is not in PATH: %v", err)
		}
		t.Skipf("go is not in PATH: %v", err)
	}
	forbidden := []string{
		"github.com/cvpn/cvpn/openvpn",
		"github.com/cvpn/cvpn/tunnel",
		"github.com/cvpn/cvpn/netcfg",
		"github.com/cvpn/cvpn/tun",
		"github.com/vishvananda/netlink",
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
						t.Errorf("usersession depends on %s", dep)
					}
				}
			}
		})
	}
}
