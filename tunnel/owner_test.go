//go:build linux

package tunnel_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// TestHelperOwnerSleeps is not a test: TestRecoverLeavesLiveOwners runs
// this binary with it as a stand-in for a running cvpn process.
func TestHelperOwnerSleeps(t *testing.T) {
	if os.Getenv("CVPN_TUNNEL_OWNER_HELPER") != "1" {
		return // only as the helper process
	}
	time.Sleep(time.Minute)
}

// TestRecoverLeavesLiveOwners: a service and a connect --foreground share
// the state directory, so Recover must undo only what a dead process left.
// A record whose process still runs the same program is left alone; one
// whose pid now belongs to another program, or to nobody, is undone.
func TestRecoverLeavesLiveOwners(t *testing.T) {
	start := func(cmd *exec.Cmd) int {
		t.Helper()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd.Process.Pid
	}
	self := exec.Command(os.Args[0], "-test.run=^TestHelperOwnerSleeps$")
	self.Env = append(os.Environ(), "CVPN_TUNNEL_OWNER_HELPER=1")
	livePID := start(self)
	otherPID := start(exec.Command("sleep", "60"))
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := dead.Process.Pid

	o := tunneltest.NewOS()
	stateDir := t.TempDir()
	m, _ := newTestManager(t, o, func(c *tunnel.Config) { c.StateDir = stateDir })
	for name, pid := range map[string]int{"live": livePID, "reused": otherPID, "dead": deadPID} {
		rec := map[string]any{"profile": name, "pid": pid, "time": time.Now().UTC(),
			"applied": map[string]any{"interface": "cvpn-" + name}}
		data, _ := json.Marshal(rec)
		if err := os.WriteFile(m.StatePath(name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	done, err := m.Recover()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(done, "\n")
	if len(done) != 2 || !strings.Contains(got, `"reused"`) || !strings.Contains(got, `"dead"`) {
		t.Errorf("recovered %q, want the reused and dead records", done)
	}
	if _, err := os.Stat(m.StatePath("live")); err != nil {
		t.Errorf("the live owner's record was removed: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(stateDir, "*")); len(left) != 1 {
		t.Errorf("state files left: %v", left)
	}
	for _, dev := range o.Reverted() {
		if dev == "cvpn-live" {
			t.Error("the live owner's configuration was reverted")
		}
	}
}
