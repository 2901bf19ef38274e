package netcfg

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeWinTable is a routing table as the Windows matcher sees it:
// interfaces by name with their metrics, and the routes that exist now.
type fakeWinTable struct {
	ifaces  map[string]uint32
	metrics map[uint32]uint32 // interface metric, both families
	routes  map[string]bool   // winRouteKey
}

func winRouteKey(index uint32, dst netip.Prefix, nh netip.Addr) string {
	if !nh.IsValid() || nh.IsUnspecified() {
		return fmt.Sprintf("%d %v on-link", index, dst.Masked())
	}
	return fmt.Sprintf("%d %v via %v", index, dst.Masked(), nh)
}

func (f *fakeWinTable) IndexOf(name string) (uint32, error) {
	if i, ok := f.ifaces[name]; ok {
		return i, nil
	}
	return 0, errWinGone
}

func (f *fakeWinTable) NameOf(index uint32) string {
	for n, i := range f.ifaces {
		if i == index {
			return n
		}
	}
	return fmt.Sprintf("#%d", index)
}

func (f *fakeWinTable) InterfaceMetric(index uint32, _ int) (uint32, error) {
	if m, ok := f.metrics[index]; ok {
		return m, nil
	}
	return 0, errWinGone
}

func (f *fakeWinTable) RouteExists(index uint32, dst netip.Prefix, nh netip.Addr) bool {
	return f.routes[winRouteKey(index, dst, nh)]
}

// TestWindowsRouteMatch: which notifications concern the recorded routes,
// given the table as it is when the notification is matched.
func TestWindowsRouteMatch(t *testing.T) {
	a := &Applied{Interface: "cvpn0", Routes: []AppliedRoute{
		{Route: Route{Dst: pfx("198.51.100.1/32"), Gateway: addr("192.0.2.254")}, Device: "Ethernet"},
		{Route: Route{Dst: pfx("0.0.0.0/1")}, Device: "cvpn0"},
		{Route: Route{Dst: pfx("10.20.0.0/16"), Metric: 50}, Device: "cvpn0"},
		{Route: Route{Dst: pfx("::/3")}, Device: "cvpn0"},
		{Route: Route{Dst: pfx("172.16.0.0/12")}, Device: "cvpn9"}, // interface gone: not watched
	}}
	base := func() *fakeWinTable {
		return &fakeWinTable{
			ifaces:  map[string]uint32{"Ethernet": 2, "Wi-Fi": 3, "cvpn0": 10},
			metrics: map[uint32]uint32{2: 25, 3: 35, 10: 5},
			routes: map[string]bool{
				winRouteKey(2, pfx("198.51.100.1/32"), addr("192.0.2.254")): true,
				winRouteKey(10, pfx("0.0.0.0/1"), netip.Addr{}):             true,
				winRouteKey(10, pfx("10.20.0.0/16"), netip.Addr{}):          true,
				winRouteKey(10, pfx("::/3"), netip.Addr{}):                  true,
			},
		}
	}
	tests := []struct {
		name   string
		ev     winRouteEvent
		change func(*fakeWinTable) // the table as the notification finds it
		want   []string
	}{
		{name: "server route deleted",
			ev:     winRouteEvent{Kind: winRouteDeleted, Index: 2, Dst: pfx("198.51.100.1/32"), NextHop: addr("192.0.2.254")},
			change: func(f *fakeWinTable) { delete(f.routes, winRouteKey(2, pfx("198.51.100.1/32"), addr("192.0.2.254"))) },
			want:   []string{"route 198.51.100.1/32 via 192.0.2.254 dev Ethernet was removed"}},
		{name: "tunnel route deleted, unspecified next hop",
			ev:     winRouteEvent{Kind: winRouteDeleted, Index: 10, Dst: pfx("0.0.0.0/1"), NextHop: addr("0.0.0.0")},
			change: func(f *fakeWinTable) { delete(f.routes, winRouteKey(10, pfx("0.0.0.0/1"), netip.Addr{})) },
			want:   []string{"route 0.0.0.0/1 dev cvpn0 was removed"}},
		{name: "deleted but back already (restored, notifications out of order)",
			ev: winRouteEvent{Kind: winRouteDeleted, Index: 10, Dst: pfx("0.0.0.0/1")}},
		{name: "deleted with its interface",
			ev: winRouteEvent{Kind: winRouteDeleted, Index: 10, Dst: pfx("::/3")},
			change: func(f *fakeWinTable) {
				delete(f.ifaces, "cvpn0")
				delete(f.routes, winRouteKey(10, pfx("::/3"), netip.Addr{}))
			}},
		{name: "another next hop's route deleted",
			ev:     winRouteEvent{Kind: winRouteDeleted, Index: 2, Dst: pfx("198.51.100.1/32"), NextHop: addr("192.0.2.253")},
			change: func(f *fakeWinTable) { delete(f.routes, winRouteKey(2, pfx("198.51.100.1/32"), addr("192.0.2.254"))) }},
		{name: "overridden by a route whose interface metric is lower",
			ev:     winRouteEvent{Kind: winRouteAdded, Index: 3, Dst: pfx("10.20.0.0/16"), NextHop: addr("10.99.0.1"), Metric: 0},
			change: func(f *fakeWinTable) { f.routes[winRouteKey(3, pfx("10.20.0.0/16"), addr("10.99.0.1"))] = true },
			want:   []string{"route 10.20.0.0/16 metric 50 dev cvpn0 is overridden by a route dev Wi-Fi metric 35"}},
		{name: "a competing route that loses",
			ev:     winRouteEvent{Kind: winRouteAdded, Index: 3, Dst: pfx("0.0.0.0/1"), NextHop: addr("10.99.0.1"), Metric: 1},
			change: func(f *fakeWinTable) { f.routes[winRouteKey(3, pfx("0.0.0.0/1"), addr("10.99.0.1"))] = true }},
		{name: "metric lowered on an existing competitor",
			ev:     winRouteEvent{Kind: winRouteChanged, Index: 2, Dst: pfx("::/3"), NextHop: addr("fe80::1"), Metric: 0},
			change: func(f *fakeWinTable) { f.metrics[2] = 1; f.routes[winRouteKey(2, pfx("::/3"), addr("fe80::1"))] = true },
			want:   []string{"route ::/3 dev cvpn0 is overridden by a route dev Ethernet metric 1"}},
		{name: "added, but gone again by the time it is matched",
			ev: winRouteEvent{Kind: winRouteAdded, Index: 3, Dst: pfx("10.20.0.0/16"), NextHop: addr("10.99.0.1")}},
		{name: "our own route added (restored)",
			ev: winRouteEvent{Kind: winRouteAdded, Index: 10, Dst: pfx("10.20.0.0/16"), Metric: 50}},
		{name: "an unrelated destination",
			ev:     winRouteEvent{Kind: winRouteAdded, Index: 3, Dst: pfx("10.21.0.0/16")},
			change: func(f *fakeWinTable) { f.routes[winRouteKey(3, pfx("10.21.0.0/16"), netip.Addr{})] = true }},
		{name: "the gone interface's route",
			ev:     winRouteEvent{Kind: winRouteAdded, Index: 3, Dst: pfx("172.16.0.0/12")},
			change: func(f *fakeWinTable) { f.routes[winRouteKey(3, pfx("172.16.0.0/12"), netip.Addr{})] = true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base()
			m := newWinRouteMatcher(f, a)
			if tt.change != nil {
				tt.change(f)
			}
			var got []string
			for _, c := range m.match(tt.ev) {
				got = append(got, c.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("changes\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// fakeWinSubscription delivers events the way winipcfg does: each from a
// goroutine of its own; unregister waits for them.
type fakeWinSubscription struct {
	mu         sync.Mutex
	fn         func(winRouteEvent)
	running    sync.WaitGroup
	registered bool
	fail       error
}

func (s *fakeWinSubscription) subscribe(fn func(winRouteEvent)) (func() error, error) {
	if s.fail != nil {
		return nil, s.fail
	}
	s.mu.Lock()
	s.fn, s.registered = fn, true
	s.mu.Unlock()
	return func() error {
		s.mu.Lock()
		s.registered = false
		s.mu.Unlock()
		s.running.Wait()
		return nil
	}, nil
}

func (s *fakeWinSubscription) notify(ev winRouteEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.registered {
		return
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		s.fn(ev)
	}()
}

// TestWindowsWatchReportsAndStops: a change is reported, Stop ends every
// goroutine even with notifications still arriving, and onChange is not
// called after Stop.
func TestWindowsWatchReportsAndStops(t *testing.T) {
	before := runtime.NumGoroutine()
	f := &fakeWinTable{ifaces: map[string]uint32{"cvpn0": 10}, metrics: map[uint32]uint32{10: 5}, routes: map[string]bool{}}
	a := &Applied{Interface: "cvpn0", Routes: []AppliedRoute{{Route: Route{Dst: pfx("0.0.0.0/1")}, Device: "cvpn0"}}}
	s := &fakeWinSubscription{}
	changes := make(chan Change, 100)
	var stopped sync.Mutex
	var afterStop bool
	w, err := startWinWatch(f, s.subscribe, a, func(c Change) {
		stopped.Lock()
		defer stopped.Unlock()
		if afterStop {
			t.Error("onChange called after Stop")
		}
		select {
		case changes <- c:
		default: // the flood below: only the first change is looked at
		}
	}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	del := winRouteEvent{Kind: winRouteDeleted, Index: 10, Dst: pfx("0.0.0.0/1")}
	s.notify(del)
	select {
	case c := <-changes:
		if c.Kind != RouteRemoved {
			t.Errorf("got %v", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no change reported")
	}
	for i := 0; i < 200; i++ { // more than the buffer holds: some callbacks wait
		s.notify(del)
	}
	w.stop()
	stopped.Lock()
	afterStop = true
	stopped.Unlock()
	w.stop()
	s.notify(del)
	noGoroutineLeak(t, before)

	s.fail = errors.New("no notifications")
	if _, err := startWinWatch(f, s.subscribe, a, func(Change) {}, t.Logf); err == nil || !strings.Contains(err.Error(), "watch routes") {
		t.Errorf("err = %v, want a failed subscription", err)
	}
}

// TestWindowsRestoreRoute: a removed route is added again on the
// interface it was on; one that exists again already is no error.
func TestWindowsRestoreRoute(t *testing.T) {
	r := &winRecorder{exists: map[string]bool{"0.0.0.0/1": true}}
	if err := restoreWindows(r, AppliedRoute{Route: Route{Dst: pfx("198.51.100.1/32"), Gateway: addr("192.0.2.254")}, Device: "Ethernet"}, r.logf); err != nil {
		t.Fatal(err)
	}
	if err := restoreWindows(r, AppliedRoute{Route: Route{Dst: pfx("0.0.0.0/1")}, Device: "cvpn0"}, r.logf); err != nil {
		t.Fatal(err)
	}
	if err := restoreWindows(r, AppliedRoute{Route: Route{Dst: pfx("0.0.0.0/1")}, Device: "cvpn9"}, r.logf); err == nil {
		t.Error("restored a route on an interface that is gone")
	}
	got := strings.Join(r.calls, "\n")
	want := "CreateIpForwardEntry2 Ethernet 198.51.100.1/32 via 192.0.2.254 metric 0\n" +
		"# restored route 198.51.100.1/32 via 192.0.2.254 dev Ethernet\n" +
		"CreateIpForwardEntry2 cvpn0 0.0.0.0/1 on-link metric 0 -> exists"
	if got != want {
		t.Errorf("calls\n%s\nwant\n%s", got, want)
	}
}
