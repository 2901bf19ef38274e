package netcfg

import (
	"github.com/cvpn/cvpn/internal/testenv"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// watchApplied is what a tunnel on tun0 recorded: a pushed route, a
// default split in two, the server's bypass via eth0 and an IPv6 block.
var watchApplied = &Applied{Interface: "tun0", Routes: []AppliedRoute{
	{Route: Route{Dst: pfx("10.20.0.0/16"), Gateway: addr("10.8.0.1")}, Device: "tun0"},
	{Route: Route{Dst: pfx("0.0.0.0/1"), Metric: 5}, Device: "tun0"},
	{Route: Route{Dst: pfx("198.51.100.7/32"), Gateway: addr("192.0.2.254")}, Device: "eth0"},
	{Route: Route{Dst: pfx("2000::/3"), Unreachable: true}},
}}

func ipnet(s string) *net.IPNet {
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	return n
}

// kroute is a route as netlink reports it.
func kroute(dst string, link int, gw string, metric int) netlink.Route {
	r := netlink.Route{Dst: ipnet(dst), LinkIndex: link, Priority: metric, Table: unix.RT_TABLE_MAIN,
		Type: unix.RTN_UNICAST, Family: unix.AF_INET}
	if gw != "" {
		r.Gw = net.ParseIP(gw)
	}
	if strings.Contains(dst, ":") {
		r.Family = unix.AF_INET6
	}
	return r
}

func del(r netlink.Route) netlink.RouteUpdate {
	return netlink.RouteUpdate{Type: unix.RTM_DELROUTE, Route: r}
}
func add(r netlink.Route) netlink.RouteUpdate {
	return netlink.RouteUpdate{Type: unix.RTM_NEWROUTE, Route: r}
}

// noTun is the recorder's machine after tun0 went away.
type noTun struct{ recorder }

func (n *noTun) LinkByIndex(index int) (netlink.Link, error) {
	if index == 10 {
		return nil, netlink.LinkNotFoundError{}
	}
	return n.recorder.LinkByIndex(index)
}

func TestRouteMatcher(t *testing.T) {
	unreach := kroute("2000::/3", 1, "", 1024)
	unreach.Type = unix.RTN_UNREACHABLE
	otherTable := kroute("10.20.0.0/16", 10, "10.8.0.1", 0)
	otherTable.Table = 100
	replace := add(kroute("10.20.0.0/16", 2, "192.0.2.1", 0))
	replace.NlFlags = unix.NLM_F_REPLACE
	defaultV4 := kroute("0.0.0.0/0", 2, "192.0.2.254", 0)
	defaultV4.Dst = nil
	tests := []struct {
		name   string
		nl     netlinkOps
		update netlink.RouteUpdate
		want   string // Change strings joined by "; "
	}{
		{"pushed route deleted", nil, del(kroute("10.20.0.0/16", 10, "10.8.0.1", 0)),
			"route 10.20.0.0/16 via 10.8.0.1 dev tun0 was removed"},
		{"split default deleted", nil, del(kroute("0.0.0.0/1", 10, "", 5)),
			"route 0.0.0.0/1 metric 5 dev tun0 was removed"},
		{"bypass deleted", nil, del(kroute("198.51.100.7/32", 2, "192.0.2.254", 0)),
			"route 198.51.100.7/32 via 192.0.2.254 dev eth0 was removed"},
		{"ipv6 block deleted", nil, del(unreach), "route unreachable 2000::/3 was removed"},
		{"deleted with the device", &noTun{}, del(kroute("10.20.0.0/16", 10, "10.8.0.1", 0)), ""},
		{"someone else's route to the same place deleted", nil, del(kroute("10.20.0.0/16", 2, "192.0.2.1", 0)), ""},
		{"same route, other metric", nil, del(kroute("0.0.0.0/1", 10, "", 7)), ""},
		{"other destination", nil, del(kroute("10.21.0.0/16", 10, "10.8.0.1", 0)), ""},
		{"other table", nil, del(otherTable), ""},
		{"ours added again", nil, add(kroute("10.20.0.0/16", 10, "10.8.0.1", 0)), ""},
		{"lower metric elsewhere", nil, add(kroute("0.0.0.0/1", 2, "192.0.2.1", 1)),
			"route 0.0.0.0/1 metric 5 dev tun0 is overridden by a route dev eth0 metric 1"},
		{"higher metric elsewhere", nil, add(kroute("0.0.0.0/1", 2, "192.0.2.1", 9)), ""},
		{"replaced in place", nil, replace,
			"route 10.20.0.0/16 via 10.8.0.1 dev tun0 is overridden by a route dev eth0 metric 0"},
		{"more specific route is not the same destination", nil, add(kroute("10.20.1.0/24", 2, "", 0)), ""},
		{"a default route", nil, add(defaultV4), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nl := tt.nl
			if nl == nil {
				nl = &recorder{}
			}
			var got []string
			for _, c := range newRouteMatcher(nl, watchApplied).match(tt.update) {
				got = append(got, c.String())
			}
			if s := strings.Join(got, "; "); s != tt.want {
				t.Errorf("got %q, want %q", s, tt.want)
			}
		})
	}
}

func TestUpdateDstDefault(t *testing.T) {
	for fam, want := range map[int]string{unix.AF_INET: "0.0.0.0/0", unix.AF_INET6: "::/0"} {
		got, ok := updateDst(&netlink.Route{Family: fam})
		if !ok || got.String() != want {
			t.Errorf("family %d: %v %v, want %s", fam, got, ok, want)
		}
	}
}

// fakeSubscription plays netlink's reader: it forwards what the test
// sends until done, then closes ch, as netlink does when its socket
// closes.
type fakeSubscription struct {
	in chan netlink.RouteUpdate
}

func (f *fakeSubscription) subscribe(ch chan<- netlink.RouteUpdate, done <-chan struct{}, onErr func(error)) error {
	go func() {
		defer close(ch)
		for {
			select {
			case <-done:
				return
			case u := <-f.in:
				ch <- u
			}
		}
	}()
	return nil
}

func TestWatchReportsAndStops(t *testing.T) {
	before := runtime.NumGoroutine()
	f := &fakeSubscription{in: make(chan netlink.RouteUpdate)}
	changes := make(chan Change, 4)
	w, err := watchWith(&recorder{}, f.subscribe, watchApplied, func(c Change) { changes <- c }, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	f.in <- add(kroute("10.20.0.0/16", 10, "10.8.0.1", 0)) // ours: nothing
	f.in <- del(kroute("10.20.0.0/16", 10, "10.8.0.1", 0))
	c := <-changes
	if c.Kind != RouteRemoved || c.Route.Dst != pfx("10.20.0.0/16") {
		t.Errorf("change %v", c)
	}
	w.Stop()
	w.Stop() // twice is fine
	select {
	case c := <-changes:
		t.Errorf("unexpected change %v", c)
	default:
	}
	noGoroutineLeak(t, before)
}

// TestWatchStopWhileBusy: Stop returns even while updates keep coming
// and onChange is slow, and nothing is reported after it.
func TestWatchStopWhileBusy(t *testing.T) {
	f := &fakeSubscription{in: make(chan netlink.RouteUpdate)}
	var mu sync.Mutex
	stopped := false
	w, err := watchWith(&recorder{}, f.subscribe, watchApplied, func(c Change) {
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			t.Errorf("change %v after Stop", c)
		}
	}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case f.in <- del(kroute("0.0.0.0/1", 10, "", 5)):
			case <-quit:
				return
			}
		}
	}()
	w.Stop()
	mu.Lock()
	stopped = true
	mu.Unlock()
	close(quit)
	wg.Wait()
}

// overflowSubscription fails its first socket at once, as an ENOBUFS
// overflow does (netlink calls the error callback and closes ch), and
// fails the first attempt to subscribe again; later subscriptions
// forward nothing until done.
type overflowSubscription struct {
	mu    sync.Mutex
	calls int
}

func (f *overflowSubscription) subscribe(ch chan<- netlink.RouteUpdate, done <-chan struct{}, onErr func(error)) error {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	switch n {
	case 1:
		go func() {
			onErr(unix.ENOBUFS)
			close(ch)
		}()
		return nil
	case 2:
		return unix.EMFILE
	}
	go func() {
		<-done
		close(ch)
	}()
	return nil
}

// TestWatchResubscribesAfterOverflow: after the socket fails, the watch
// subscribes again and reports what the lost updates hid: a recorded
// route that is gone, and one now overridden.
func TestWatchResubscribesAfterOverflow(t *testing.T) {
	old := resubscribeEvery
	resubscribeEvery = time.Millisecond
	t.Cleanup(func() { resubscribeEvery = old })
	unreach := kroute("2000::/3", 0, "", 1024)
	unreach.Type = unix.RTN_UNREACHABLE
	r := &recorder{kernel: []netlink.Route{
		// 10.20.0.0/16 is missing
		kroute("0.0.0.0/1", 10, "", 5), kroute("0.0.0.0/1", 2, "192.0.2.1", 1),
		kroute("198.51.100.7/32", 2, "192.0.2.254", 0),
		unreach,
	}}
	changes := make(chan Change, 4)
	f := &overflowSubscription{}
	w, err := watchWith(r, f.subscribe, watchApplied, func(c Change) { changes <- c }, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 2 {
		select {
		case c := <-changes:
			got = append(got, c.String())
		case <-time.After(10 * time.Second):
			t.Fatalf("only %q reported after the overflow", got)
		}
	}
	w.Stop()
	want := []string{"route 10.20.0.0/16 via 10.8.0.1 dev tun0 was removed",
		"route 0.0.0.0/1 metric 5 dev tun0 is overridden by a route dev eth0 metric 1"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes %q, want %q", got, want)
	}
	if f.calls != 3 {
		t.Errorf("%d subscriptions, want 3 (the first, a failed retry, a working one)", f.calls)
	}
	select {
	case c := <-changes:
		t.Errorf("unexpected change %v", c)
	default:
	}
}

func TestRestoreRoute(t *testing.T) {
	r := &recorder{exists: map[string]bool{"0.0.0.0/1": true}}
	for _, ar := range watchApplied.Routes {
		if err := restoreWith(r, ar, r.logf); err != nil {
			t.Fatal(err)
		}
	}
	if err := restoreWith(r, AppliedRoute{Route: Route{Dst: pfx("10.1.0.0/16")}, Device: "gone0"}, nil); err == nil {
		t.Error("restoring a route on a missing device succeeded")
	}
	want := []string{
		"route add 10.20.0.0/16 via 10.8.0.1 dev tun0",
		"# restored route 10.20.0.0/16 via 10.8.0.1 dev tun0",
		"route add 0.0.0.0/1 dev tun0 metric 5 -> exists",
		"route add 198.51.100.7/32 via 192.0.2.254 dev eth0",
		"# restored route 198.51.100.7/32 via 192.0.2.254 dev eth0",
		"route add unreachable 2000::/3",
		"# restored route unreachable 2000::/3",
	}
	if got := strings.Join(r.calls, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

// TestWatchRealSubscriptionStops subscribes to the kernel for real (no
// recorded route exists, so nothing can match) and checks that Stop ends
// netlink's goroutines as well as the watch's own.
func TestWatchRealSubscriptionStops(t *testing.T) {
	before := runtime.NumGoroutine()
	a := &Applied{Interface: "cvpn-none0", Routes: []AppliedRoute{
		{Route: Route{Dst: pfx("10.250.0.0/16")}, Device: "cvpn-none0"}}}
	w, err := WatchRoutes(a, func(c Change) { t.Errorf("change %v", c) }, t.Logf)
	if err != nil {
		testenv.Unavailable(t, "no netlink route subscription here: %v", err)
	}
	w.Stop()
	noGoroutineLeak(t, before)
}
