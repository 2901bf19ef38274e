//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// TestMain guards the host: e2e tests may change DNS only inside private
// mount namespaces (startCvpnPrivateResolv). If any test still rewrote the
// host's /etc/resolv.conf, the original is put back and the run fails, so
// a mistake costs a red run, never the machine's name resolution.
func TestMain(m *testing.M) {
	const path = "/etc/resolv.conf"
	before, err := os.ReadFile(path)
	code := m.Run()
	if err == nil {
		if after, aerr := os.ReadFile(path); aerr != nil || !bytes.Equal(after, before) {
			fmt.Fprintf(os.Stderr, "e2e: a test changed the host's %s; restoring it\n", path)
			if werr := os.WriteFile(path, before, 0o644); werr != nil {
				fmt.Fprintf(os.Stderr, "e2e: restore %s: %v\n", path, werr)
			}
			code = 1
		}
	}
	os.Exit(code)
}
