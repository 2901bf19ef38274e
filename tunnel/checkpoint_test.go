package tunnel_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/netcfg"
	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// TestManagerCheckpointBeforeApplyReturns: Apply's Checkpoint writes the
// state record, with what it holds so far (a resolv.conf original), while
// Apply is still running, so a crash inside Apply cannot lose it; a failed
// Apply, which undid everything, leaves no record behind.
func TestManagerCheckpointBeforeApplyReturns(t *testing.T) {
	o := tunneltest.NewOS()
	stateDir := t.TempDir()
	var seen string
	m, _ := newTestManager(t, o, func(c *tunnel.Config) {
		c.StateDir = stateDir
		c.Hooks.Apply = func(cfg netcfg.Config, _ netcfg.Logf) (*netcfg.Applied, error) {
			a := &netcfg.Applied{Interface: cfg.Interface, DNS: &netcfg.AppliedDNS{Mode: "resolv.conf", Path: "/x/resolv.conf",
				Existed: true, Original: []byte("nameserver 192.0.2.53\n")}}
			if cfg.Checkpoint == nil {
				return nil, errors.New("no checkpoint hook")
			}
			if err := cfg.Checkpoint(a); err != nil {
				return nil, err
			}
			files, _ := filepath.Glob(filepath.Join(stateDir, "*.tunnel.json"))
			if len(files) == 1 {
				b, _ := os.ReadFile(files[0])
				seen = string(b)
			}
			return nil, errors.New("apply failed after the checkpoint")
		}
	})
	if _, err := m.Connect(context.Background(), tunnel.Request{Profile: tunneltest.Profile("dns")}); err != nil {
		t.Fatal(err)
	}
	if err := o.Session(t, "dns").BringUp(t, "10.8.0"); err == nil {
		t.Fatal("configure succeeded although Apply failed")
	}
	// base64 of "nameserver 192.0.2.53\n": the exact original bytes.
	if !strings.Contains(seen, `"original": "bmFtZXNlcnZlciAxOTIuMC4yLjUzCg=="`) {
		t.Errorf("the record on disk during Apply lacks the original:\n%s", seen)
	}
	if left, _ := filepath.Glob(filepath.Join(stateDir, "*")); len(left) != 0 {
		t.Errorf("state files left after a failed Apply: %v", left)
	}
}
