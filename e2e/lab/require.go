//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/cvpn/cvpn/internal/testenv"
)

// Prerequisites reports why a lab cannot run on this machine, or nil. tools
// are extra programs the caller needs (e.g. "ping", "iperf3").
func Prerequisites(tools ...string) error {
	var why []string
	if os.Geteuid() != 0 {
		why = append(why, "not running as root (network namespaces and TUN devices need it)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		why = append(why, "no ip command (apt-get install iproute2)")
	} else if out, err := exec.Command("ip", "netns", "list").CombinedOutput(); err != nil {
		why = append(why, fmt.Sprintf("ip netns does not work: %v: %s", err, strings.TrimSpace(string(out))))
	}
	if st, err := os.Stat("/dev/net/tun"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		why = append(why, "no /dev/net/tun character device")
	}
	if st, err := os.Stat(OpenVPN); err != nil || st.Mode()&0o111 == 0 {
		why = append(why, "no "+OpenVPN+" (apt-get install openvpn)")
	}
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			why = append(why, "no "+t+" in PATH")
		}
	}
	if len(why) > 0 {
		return errors.New("e2e lab prerequisites missing: " + strings.Join(why, "; "))
	}
	return nil
}

// TB is the part of testing.TB the lab needs. Taking an interface keeps the
// testing package out of programs such as cvpn-lab.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Failed() bool
	Cleanup(func())
	Context() context.Context
}

// Require is the one rule for e2e prerequisites, and every e2e test calls it
// (NewT does): when the machine cannot run a lab, the test is skipped on a
// developer's laptop but fails when CI=true, so CI can never go green by
// silently skipping everything.
func Require(t TB, tools ...string) {
	t.Helper()
	testenv.SkipOrFail(t, Prerequisites(tools...), testenv.InCI())
}

// NewT is New for tests: it calls Require, logs through t, closes the lab in
// t.Cleanup and, if the test failed, logs the tail of every openvpn log first.
func NewT(t TB, opts Options) *Lab {
	t.Helper()
	Require(t)
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	l, err := New(t.Context(), opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range l.Processes() {
				t.Logf("lab %d: %s log tail (%s):\n%s", l.Index, p.Name, p.LogPath, p.LogTail(40))
			}
		}
		if err := l.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return l
}
