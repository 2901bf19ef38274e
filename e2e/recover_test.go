//go:build linux

package e2e

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// netSnapshot is the client namespace's network state: every route of
// every table, every rule, both families, and every address (link-local
// ones aside, which come and go with the kernel's own timing).
func netSnapshot(t *testing.T, l *lab.Lab) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{
		{"-4", "route", "show", "table", "all"}, {"-6", "route", "show", "table", "all"},
		{"-4", "rule"}, {"-6", "rule"}, {"-o", "addr", "show"},
	} {
		out, err := lab.Exec(t.Context(), l.ClientNS, "ip", args...)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("# ip " + strings.Join(args, " ") + "\n")
		for _, line := range strings.SplitAfter(string(out), "\n") {
			// The veth's link-local address appears whenever the
			// kernel finishes duplicate address detection, cvpn or not.
			if !strings.Contains(line, "fe80::") {
				b.WriteString(line)
			}
		}
	}
	return b.String()
}

// TestCvpnForegroundRecoversAfterKill: a connect --foreground killed with
// SIGKILL leaves the host route that keeps the server outside the tunnel
// (redirect-gateway def1). The next connect --foreground undoes it before
// adding its own, and after its clean exit the routing state is exactly
// what it was before the first run.
func TestCvpnForegroundRecoversAfterKill(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{Extra: []string{`push "redirect-gateway def1"`}}})
	before := netSnapshot(t, l)
	serverRoute := l.ServerLinkIP.String() + " "

	first := startCvpn(t, l, lab.ProfileOptions{}, false)
	if routes := clientRoutes(t, l); !strings.Contains(routes, serverRoute) {
		t.Fatalf("no route keeping the server outside the tunnel:\n%s", routes)
	}
	if err := first.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.Done()
	if routes := clientRoutes(t, l); !strings.Contains(routes, serverRoute) {
		t.Fatalf("the kill left nothing to recover; routes:\n%s", routes)
	}

	second := startCvpn(t, l, lab.ProfileOptions{}, false)
	if !strings.Contains(second.Log(), "recovered: undid the network changes of \"cvpn-client\"") {
		t.Errorf("the second run did not report its recovery:\n%s", second.LogTail(20))
	}
	assertTunnel(t, l)
	if err := second.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	select {
	case <-second.Done():
	case <-ctx.Done():
		t.Fatal("cvpn did not exit after Ctrl-C")
	}
	if after := netSnapshot(t, l); after != before {
		t.Errorf("routing state differs after kill -9, recovery and a clean exit\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
