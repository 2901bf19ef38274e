//go:build linux

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// TestCvpnRouteWatch: while connect --foreground is up, another program
// (here `ip route del`) removes the pushed route from tun0. cvpn says so;
// with --enforce-routes it also puts the route back. Either way the
// tunnel's own removal of its routes on disconnect is not reported, and
// afterwards the route is gone.
func TestCvpnRouteWatch(t *testing.T) {
	lab.Require(t)
	t.Parallel()
	const pushed = "172.16.0.0/24" // lab.ServerOptions.PushRoutes' first
	const removed = "route " + pushed + " via " + lab.TunDev + " was removed by another program"
	for _, tt := range []struct {
		name    string
		args    []string
		restore bool
	}{
		{name: "warn", restore: false},
		{name: "enforce", args: []string{"--enforce-routes"}, restore: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{PushRoutes: 1}})
			c := startCvpn(t, l, lab.ProfileOptions{}, false, tt.args...)
			route := func() string { return routeShow(t, l, "-4", "route", "show", pushed) }
			if r := route(); !strings.Contains(r, "dev "+lab.TunDev) {
				t.Fatalf("pushed route missing once connected: %q", r)
			}
			routeShow(t, l, "-4", "route", "del", pushed, "dev", lab.TunDev)

			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
			defer cancel()
			if err := c.WaitFor(ctx, "warning: "+removed); err != nil {
				t.Fatal(err)
			}
			if tt.restore {
				if err := c.WaitFor(ctx, "cvpn put it back"); err != nil {
					t.Fatal(err)
				}
				// The restore happens before the warning is printed,
				// but poll anyway: the check must not hang on a slow
				// kernel, nor pass on a fixed sleep.
				tick := time.NewTicker(50 * time.Millisecond)
				defer tick.Stop()
				for !strings.Contains(route(), "dev "+lab.TunDev) {
					select {
					case <-ctx.Done():
						t.Fatalf("route %s not restored; ip route: %s", pushed, clientRoutes(t, l))
					case <-tick.C:
					}
				}
			} else {
				if !strings.Contains(c.Log(), "--enforce-routes") {
					t.Errorf("the warning does not say how to have the route restored:\n%s", c.LogTail(20))
				}
				if r := route(); r != "" {
					t.Errorf("route came back without --enforce-routes: %q", r)
				}
			}

			if err := c.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			select {
			case <-c.Done():
			case <-ctx.Done():
				t.Fatal("cvpn did not exit after Ctrl-C")
			}
			n := 0 // the warning's own lines; --verbose echoes it indented too
			for _, line := range strings.Split(c.Log(), "\n") {
				if strings.HasPrefix(line, "warning: "+removed) {
					n++
				}
			}
			if n != 1 {
				t.Errorf("the removal was reported %d times, want once (disconnecting must not report its own removals):\n%s", n, c.LogTail(30))
			}
			if r := route(); r != "" {
				t.Errorf("route left behind after disconnect: %q", r)
			}
		})
	}
}

// TestCvpnDNSWatch: while connected with a pushed DNS server, another
// program writes its own resolv.conf; cvpn warns once, and on disconnect
// leaves that program's file alone.
func TestCvpnDNSWatch(t *testing.T) {
	l := labPushingDNS(t)
	resolv := filepath.Join(l.Dir, "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver 192.0.2.53\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(l.Dir, "cvpn-client.ovpn")
	if err := l.WriteClientProfile(profile, lab.ProfileOptions{}); err != nil {
		t.Fatal(err)
	}
	c := startCvpnPrivateResolv(t, l, profile, resolv)
	const other = "# written by another program\nnameserver 192.0.2.99\n"
	if err := os.WriteFile(resolv, []byte(other), 0o644); err != nil { // in place: the mount follows
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	const warning = "warning: /etc/resolv.conf was changed by another program"
	if err := c.WaitFor(ctx, warning); err != nil {
		t.Fatal(err)
	}
	if err := c.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("cvpn did not exit after Ctrl-C")
	}
	n := 0
	for _, line := range strings.Split(c.Log(), "\n") {
		if strings.HasPrefix(line, warning) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the change was reported %d times, want once:\n%s", n, c.LogTail(30))
	}
	if got, err := os.ReadFile(resolv); err != nil || string(got) != other {
		t.Errorf("after disconnect resolv.conf is %q (%v), want the other program's %q", got, err, other)
	}
}

// TestCvpnDNSEnforce: with --enforce-routes, cvpn writes its resolv.conf
// again when another program replaces it, and on disconnect puts back the
// file as it was before the tunnel.
func TestCvpnDNSEnforce(t *testing.T) {
	l := labPushingDNS(t)
	resolv := filepath.Join(l.Dir, "resolv.conf")
	const original = "nameserver 192.0.2.53\n"
	if err := os.WriteFile(resolv, []byte(original), 0o644); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(l.Dir, "cvpn-client.ovpn")
	if err := l.WriteClientProfile(profile, lab.ProfileOptions{}); err != nil {
		t.Fatal(err)
	}
	c := startCvpnPrivateResolv(t, l, profile, resolv, "--enforce-routes")
	ours, err := os.ReadFile(resolv)
	if err != nil || !strings.Contains(string(ours), "Written by cvpn") {
		t.Fatalf("resolv.conf while connected: %q (%v)", ours, err)
	}
	if err := os.WriteFile(resolv, []byte("nameserver 192.0.2.99\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := c.WaitFor(ctx, "cvpn set it again (route enforcement is on)"); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(resolv); err != nil || string(got) != string(ours) {
		t.Errorf("after enforcement resolv.conf is %q (%v), want cvpn's %q", got, err, ours)
	}
	if err := c.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
		t.Fatal("cvpn did not exit after Ctrl-C")
	}
	if got, err := os.ReadFile(resolv); err != nil || string(got) != original {
		t.Errorf("after disconnect resolv.conf is %q (%v), want the original %q", got, err, original)
	}
}
