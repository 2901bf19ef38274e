package tunnel_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/netcfg"
	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// fakeWatch stands in for netcfg's route watch: the test fires changes,
// and it records when watching starts and stops relative to Revert and
// Restore.
type fakeWatch struct {
	mu       sync.Mutex
	onChange func(netcfg.Change)
	log      []string
}

func (w *fakeWatch) note(s string) {
	w.mu.Lock()
	w.log = append(w.log, s)
	w.mu.Unlock()
}

func (w *fakeWatch) hooks(h *tunnel.Hooks) {
	revert := h.Revert
	h.Revert = func(a *netcfg.Applied, logf netcfg.Logf) error {
		w.note("revert")
		return revert(a, logf)
	}
	h.Watch = func(a *netcfg.Applied, onChange func(netcfg.Change), _ netcfg.Logf) (func(), error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.onChange = onChange
		w.log = append(w.log, fmt.Sprintf("watch %d routes", len(a.Routes)))
		return func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.onChange = nil
			w.log = append(w.log, "stop")
		}, nil
	}
	h.Restore = func(r netcfg.AppliedRoute, _ netcfg.Logf) error {
		w.note("restore " + r.Dst.String())
		return nil
	}
	h.RestoreDNS = func(a *netcfg.Applied, _ netcfg.Logf) error {
		w.note(fmt.Sprintf("dns-restore %d routes", len(a.Routes)))
		return nil
	}
}

// fire reports c as the watch would, from the caller's goroutine.
func (w *fakeWatch) fire(t *testing.T, c netcfg.Change) {
	t.Helper()
	w.mu.Lock()
	f := w.onChange
	w.mu.Unlock()
	if f == nil {
		t.Fatal("no route watch running")
	}
	f(c)
}

func (w *fakeWatch) count(prefix string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.log {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// nextWarning returns the next warning event's message.
func nextWarning(t *testing.T, events <-chan tunnel.Event) string {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Kind == tunnel.EventWarning {
				return ev.Message
			}
		case <-timeout:
			t.Fatal("no warning")
		}
	}
}

func connectWatched(t *testing.T, enforce bool) (*tunnel.Manager, *fakeWatch, <-chan tunnel.Event) {
	t.Helper()
	o := tunneltest.NewOS()
	w := &fakeWatch{}
	m, _ := newTestManager(t, o, func(c *tunnel.Config) { w.hooks(&c.Hooks) })
	events, stop := m.Subscribe()
	t.Cleanup(stop)
	if _, err := m.Connect(context.Background(), tunnel.Request{Profile: tunneltest.Profile("work"), EnforceRoutes: enforce}); err != nil {
		t.Fatal(err)
	}
	if err := o.Session(t, "work").BringUp(t, "10.8.0", "10.20.0.0 255.255.0.0"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, "work", "connected")
	return m, w, events
}

var removed = netcfg.Change{Kind: netcfg.RouteRemoved, Route: netcfg.AppliedRoute{
	Route: netcfg.Route{Dst: netip.MustParsePrefix("10.20.0.0/16"), Gateway: netip.MustParseAddr("10.8.0.1")}, Device: "cvpn0"}}

func TestRouteWatchWarnsAndStopsBeforeRevert(t *testing.T) {
	m, w, events := connectWatched(t, false)
	w.fire(t, removed)
	msg := nextWarning(t, events)
	for _, want := range []string{"route 10.20.0.0/16 via cvpn0 was removed by another program; traffic to it no longer goes through the VPN",
		"--enforce-routes"} {
		if !strings.Contains(msg, want) {
			t.Errorf("warning %q lacks %q", msg, want)
		}
	}
	over := removed
	over.Kind, over.ByDevice, over.ByMetric = netcfg.RouteOverridden, "eth0", 0
	w.fire(t, over)
	if msg := nextWarning(t, events); !strings.Contains(msg, "overridden by another program's route via eth0") ||
		!strings.Contains(msg, "ip route del 10.20.0.0/16 dev eth0") {
		t.Errorf("override warning %q", msg)
	}
	if err := m.Disconnect(context.Background(), "work"); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	got := strings.Join(w.log, ", ")
	w.mu.Unlock()
	if want := "watch 1 routes, stop, revert"; got != want {
		t.Errorf("order %q, want %q (no restore without enforcement)", got, want)
	}
}

func TestRouteWatchEnforcesWithinLimit(t *testing.T) {
	_, w, events := connectWatched(t, true)
	const limit = 10 // routewatch.go maxRestores
	for i := range limit {
		w.fire(t, removed)
		if msg := nextWarning(t, events); !strings.Contains(msg, "cvpn put it back") {
			t.Fatalf("restore %d: warning %q", i+1, msg)
		}
	}
	if n := w.count("restore"); n != limit {
		t.Fatalf("%d restores, want %d", n, limit)
	}
	w.fire(t, removed)
	if msg := nextWarning(t, events); !strings.Contains(msg, "Route enforcement is now off for this connection") {
		t.Errorf("past the limit: %q", msg)
	}
	w.fire(t, removed)
	// Past the report limit too: one notice that reports are held back.
	if msg := nextWarning(t, events); !strings.Contains(msg, "further changes are not reported") {
		t.Errorf("after giving up: %q", msg)
	}
	w.fire(t, removed) // publishes synchronously, if at all
	for len(events) > 0 {
		if ev := <-events; ev.Kind == tunnel.EventWarning {
			t.Errorf("reported past the limit: %q", ev.Message)
		}
	}
	if n := w.count("restore"); n != limit {
		t.Errorf("%d restores after giving up, want %d", n, limit)
	}
}

func TestRouteWatchReportsDNS(t *testing.T) {
	for _, enforce := range []bool{false, true} {
		t.Run(fmt.Sprintf("enforce=%v", enforce), func(t *testing.T) {
			_, w, events := connectWatched(t, enforce)
			change := netcfg.Change{Kind: netcfg.DNSChanged, Path: "/etc/resolv.conf"}
			w.fire(t, change)
			msg := nextWarning(t, events)
			want := "reconnect to set it again"
			if enforce {
				want = "cvpn set it again"
			}
			if !strings.Contains(msg, "/etc/resolv.conf was changed by another program") || !strings.Contains(strings.ToLower(msg), strings.ToLower(want)) {
				t.Errorf("warning %q, want it to say %q", msg, want)
			}
			if n := w.count("restore"); n != 0 {
				t.Errorf("%d route restores for a DNS change", n)
			}
			wantDNS := 0
			if enforce {
				wantDNS = 1
			}
			if n := w.count("dns-restore"); n != wantDNS {
				t.Errorf("%d DNS restores, want %d", n, wantDNS)
			}
			if !enforce {
				return
			}
			// A fight is bounded: after maxRestores, one notice and no more.
			for range 9 {
				w.fire(t, change)
				nextWarning(t, events)
			}
			w.fire(t, change)
			if msg := nextWarning(t, events); !strings.Contains(msg, "DNS enforcement is now off") {
				t.Errorf("after the limit: %q", msg)
			}
			if n := w.count("dns-restore"); n != 10 {
				t.Errorf("%d DNS restores, want 10", n)
			}
		})
	}
}
