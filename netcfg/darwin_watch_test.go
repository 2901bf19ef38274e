package netcfg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// darwinIfs stands in for a Mac's interfaces: en0 is 4, en1 5, utun4 10;
// names in gone have closed.
type darwinIfs struct {
	mu   sync.Mutex
	gone map[string]bool
}

var darwinIfIndex = map[string]int{"en0": 4, "en1": 5, "utun4": 10}

func (f *darwinIfs) InterfaceIndex(name string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i, ok := darwinIfIndex[name]; ok && !f.gone[name] {
		return i, nil
	}
	return 0, fmt.Errorf("route ip+net: no such network interface %s", name)
}

func (f *darwinIfs) InterfaceName(index int) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for n, i := range darwinIfIndex {
		if i == index && !f.gone[n] {
			return n, nil
		}
	}
	return "", errors.New("no such network interface")
}

// darwinWatchApplied is what a tunnel on utun4 recorded: a pushed route,
// the tunnel's subnet, the server's bypass via en0, an IPv6 net_gateway
// route through a link-local router, an IPv6 block, and a route on a
// utun that has closed since.
var darwinWatchApplied = &Applied{Interface: "utun4", Routes: []AppliedRoute{
	{Route: Route{Dst: pfx("10.20.0.0/16"), Gateway: addr("10.8.0.1")}, Device: "utun4"},
	{Route: Route{Dst: pfx("10.8.0.0/24")}, Device: "utun4"},
	{Route: Route{Dst: pfx("198.51.100.7/32"), Gateway: addr("192.0.2.254")}, Device: "en0"},
	{Route: Route{Dst: pfx("2001:db8:5::/48"), Gateway: addr("fe80::1")}, Device: "en0"},
	{Route: Route{Dst: pfx("::/3"), Unreachable: true}},
	{Route: Route{Dst: pfx("10.99.0.0/16")}, Device: "utun9"},
}}

// darwinMsg is a route message as watch_darwin.go makes it from the socket.
func darwinMsg(typ int, dst string, gw string, flags int) darwinRouteMsg {
	m := darwinRouteMsg{Type: typ, Dst: pfx(dst), Flags: darwinRTFUp | darwinRTFStatic | flags}
	switch {
	case strings.HasPrefix(gw, "link#"):
		fmt.Sscanf(gw, "link#%d", &m.GatewayLink)
	case gw != "":
		m.Gateway = addr(gw)
		m.Flags |= darwinRTFGateway
	}
	return m
}

func (m darwinRouteMsg) index(i int) darwinRouteMsg           { m.Index = i; return m }
func (m darwinRouteMsg) errno(e syscall.Errno) darwinRouteMsg { m.Errno = e; return m }

func TestDarwinRouteMatcher(t *testing.T) {
	const (
		add, del, change = darwinRTMAdd, darwinRTMDelete, darwinRTMChange
		reject           = darwinRTFReject | darwinRTFGateway
	)
	tests := []struct {
		name string
		msg  darwinRouteMsg
		gone []string
		want []string
	}{
		{name: "ours deleted", msg: darwinMsg(del, "10.20.0.0/16", "10.8.0.1", 0).index(10),
			want: []string{"route 10.20.0.0/16 via 10.8.0.1 dev utun4 was removed"}},
		{name: "ours deleted by route(8), no index", msg: darwinMsg(del, "10.20.0.0/16", "10.8.0.1", 0),
			want: []string{"route 10.20.0.0/16 via 10.8.0.1 dev utun4 was removed"}},
		{name: "ours deleted with the utun", msg: darwinMsg(del, "10.20.0.0/16", "10.8.0.1", 0).index(10), gone: []string{"utun4"}},
		{name: "deleted by destination alone", msg: darwinMsg(del, "10.20.0.0/16", "", 0),
			want: []string{"route 10.20.0.0/16 via 10.8.0.1 dev utun4 was removed"}},
		{name: "deleted on another interface", msg: darwinMsg(del, "10.20.0.0/16", "10.8.0.1", 0).index(5)},
		{name: "another route deleted", msg: darwinMsg(del, "10.20.0.0/16", "192.0.2.1", 0).index(4)},
		{name: "ours added again", msg: darwinMsg(add, "10.20.0.0/16", "10.8.0.1", 0)},
		{name: "another route added", msg: darwinMsg(add, "10.20.0.0/16", "192.0.2.1", 0).index(5),
			want: []string{"route 10.20.0.0/16 via 10.8.0.1 dev utun4 is overridden by a route dev en1 metric 0"}},
		{name: "another route added, no index", msg: darwinMsg(add, "10.20.0.0/16", "192.0.2.1", 0),
			want: []string{"route 10.20.0.0/16 via 10.8.0.1 dev utun4 is overridden by a route metric 0"}},
		{name: "added on an unknown interface", msg: darwinMsg(add, "10.20.0.0/16", "link#77", 0),
			want: []string{"route 10.20.0.0/16 via 10.8.0.1 dev utun4 is overridden by a route dev #77 metric 0"}},
		{name: "ours changed elsewhere", msg: darwinMsg(change, "10.20.0.0/16", "192.0.2.1", 0),
			want: []string{"route 10.20.0.0/16 via 10.8.0.1 dev utun4 is overridden by a route metric 0"}},
		{name: "changed to ours", msg: darwinMsg(change, "10.20.0.0/16", "10.8.0.1", 0)},
		{name: "refused add", msg: darwinMsg(add, "10.20.0.0/16", "192.0.2.1", 0).errno(syscall.EEXIST)},
		{name: "refused delete", msg: darwinMsg(del, "10.20.0.0/16", "10.8.0.1", 0).errno(syscall.EPERM)},
		{name: "interface-scoped route", msg: darwinMsg(add, "10.20.0.0/16", "192.0.2.1", darwinRTFIfScope).index(4)},
		{name: "cloned route", msg: darwinMsg(add, "198.51.100.7/32", "link#4", darwinRTFWasCloned|darwinRTFLLInfo|darwinRTFHost).index(4)},
		{name: "other prefix length", msg: darwinMsg(add, "10.20.0.0/17", "192.0.2.1", 0)},
		{name: "route get", msg: darwinMsg(0x4, "10.20.0.0/16", "192.0.2.1", 0)},
		{name: "interface route deleted", msg: darwinMsg(del, "10.8.0.0/24", "link#10", 0).index(10),
			want: []string{"route 10.8.0.0/24 dev utun4 was removed"}},
		{name: "interface route moved", msg: darwinMsg(change, "10.8.0.0/24", "link#4", 0),
			want: []string{"route 10.8.0.0/24 dev utun4 is overridden by a route dev en0 metric 0"}},
		{name: "interface route added again", msg: darwinMsg(add, "10.8.0.0/24", "", 0).index(10)},
		{name: "bypass deleted", msg: darwinMsg(del, "198.51.100.7/32", "192.0.2.254", darwinRTFHost).index(4),
			want: []string{"route 198.51.100.7/32 via 192.0.2.254 dev en0 was removed"}},
		{name: "bypass on en1 now", msg: darwinMsg(add, "198.51.100.7/32", "192.0.2.254", darwinRTFHost).index(5),
			want: []string{"route 198.51.100.7/32 via 192.0.2.254 dev en0 is overridden by a route dev en1 metric 0"}},
		{name: "link-local gateway deleted", msg: darwinMsg(del, "2001:db8:5::/48", "fe80::1", 0).index(4),
			want: []string{"route 2001:db8:5::/48 via fe80::1 dev en0 was removed"}},
		{name: "block deleted", msg: darwinMsg(del, "::/3", "::1", reject),
			want: []string{"route unreachable ::/3 was removed"}},
		{name: "block deleted, utun gone", msg: darwinMsg(del, "::/3", "::1", reject), gone: []string{"utun4"},
			want: []string{"route unreachable ::/3 was removed"}},
		{name: "block replaced by a route", msg: darwinMsg(add, "::/3", "fe80::1", 0).index(4),
			want: []string{"route unreachable ::/3 is overridden by a route dev en0 metric 0"}},
		{name: "block deleted by destination alone", msg: darwinMsg(del, "::/3", "", 0),
			want: []string{"route unreachable ::/3 was removed"}},
		{name: "another ::/3 deleted", msg: darwinMsg(del, "::/3", "fe80::1", 0).index(4)},
		{name: "block added again", msg: darwinMsg(add, "::/3", "::1", reject)},
		{name: "pushed route replaced by a block", msg: darwinMsg(add, "10.20.0.0/16", "127.0.0.1", reject).index(1),
			want: []string{"route 10.20.0.0/16 via 10.8.0.1 dev utun4 is overridden by a route metric 0"}},
		{name: "route on a closed utun", msg: darwinMsg(del, "10.99.0.0/16", "link#11", 0)},
		{name: "no destination", msg: darwinRouteMsg{Type: del}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ifs := &darwinIfs{gone: map[string]bool{}}
			m := newDarwinRouteMatcher(ifs, darwinWatchApplied)
			for _, g := range tt.gone {
				ifs.gone[g] = true
			}
			var got []string
			for _, c := range m.match(tt.msg) {
				got = append(got, c.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// fakeRouteSocket hands the watch each read the test sends on in; Close
// makes Read fail as a closed socket does.
type fakeRouteSocket struct {
	in     chan fakeRead
	closed chan struct{}
	once   sync.Once
}

type fakeRead struct {
	msgs []darwinRouteMsg
	err  error
}

func newFakeRouteSocket() *fakeRouteSocket {
	return &fakeRouteSocket{in: make(chan fakeRead), closed: make(chan struct{})}
}

func (s *fakeRouteSocket) Read() ([]darwinRouteMsg, error) {
	select {
	case r := <-s.in:
		return r.msgs, r.err
	case <-s.closed:
		return nil, net.ErrClosed
	}
}

func (s *fakeRouteSocket) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// TestDarwinWatchReportsAndStops: changes are reported in order, a lost
// or unparsable read does not end the watch, and Stop closes the socket
// and ends the goroutine.
func TestDarwinWatchReportsAndStops(t *testing.T) {
	before := runtime.NumGoroutine()
	s := newFakeRouteSocket()
	changes := make(chan Change, 8)
	var logMu sync.Mutex
	var logs []string
	logf := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		logs = append(logs, fmt.Sprintf(format, args...))
	}
	w := startDarwinWatch(&darwinIfs{}, s, darwinWatchApplied, func(c Change) { changes <- c }, logf)
	s.in <- fakeRead{msgs: []darwinRouteMsg{darwinMsg(darwinRTMAdd, "10.20.0.0/16", "10.8.0.1", 0)}} // ours: nothing
	s.in <- fakeRead{err: syscall.ENOBUFS}
	s.in <- fakeRead{msgs: []darwinRouteMsg{darwinMsg(darwinRTMDelete, "10.8.0.0/24", "link#10", 0)},
		err: fmt.Errorf("%w: message too short", errDarwinRouteParse)} // what parsed still counts
	s.in <- fakeRead{msgs: []darwinRouteMsg{darwinMsg(darwinRTMDelete, "10.20.0.0/16", "10.8.0.1", 0), darwinMsg(darwinRTMAdd, "10.20.0.0/16", "192.0.2.1", 0).index(4)}}
	if c := <-changes; c.Kind != RouteRemoved || c.Route.Dst != pfx("10.8.0.0/24") {
		t.Errorf("change %v, want the subnet route removed", c)
	}
	for _, want := range []ChangeKind{RouteRemoved, RouteOverridden} {
		if c := <-changes; c.Kind != want || c.Route.Dst != pfx("10.20.0.0/16") {
			t.Errorf("change %v, want %v", c, want)
		}
	}
	w.stop()
	w.stop() // twice is fine
	select {
	case <-s.closed:
	default:
		t.Error("stop left the socket open")
	}
	select {
	case c := <-changes:
		t.Errorf("unexpected change %v", c)
	default:
	}
	noGoroutineLeak(t, before)
	logMu.Lock()
	defer logMu.Unlock()
	if len(logs) != 2 || !strings.Contains(logs[0], "no buffer space") || !strings.Contains(logs[1], "unparsable") {
		t.Errorf("logs %q, want the two missed reads", logs)
	}
}

// TestDarwinWatchEndsOnReadError: a socket that fails for good ends the
// goroutine with a log line; stop still returns.
func TestDarwinWatchEndsOnReadError(t *testing.T) {
	before := runtime.NumGoroutine()
	s := newFakeRouteSocket()
	logged := make(chan string, 1)
	w := startDarwinWatch(&darwinIfs{}, s, darwinWatchApplied, func(c Change) { t.Errorf("change %v", c) },
		func(format string, args ...any) { logged <- fmt.Sprintf(format, args...) })
	s.in <- fakeRead{err: syscall.EBADF}
	if l := <-logged; !strings.HasPrefix(l, "route watch ended") {
		t.Errorf("log %q", l)
	}
	w.stop()
	noGoroutineLeak(t, before)
}

// TestDarwinWatchStopWhileBusy: stop returns even while messages keep
// coming and onChange is slow, and nothing is reported after it.
func TestDarwinWatchStopWhileBusy(t *testing.T) {
	s := newFakeRouteSocket()
	var mu sync.Mutex
	stopped := false
	w := startDarwinWatch(&darwinIfs{}, s, darwinWatchApplied, func(c Change) {
		time.Sleep(time.Millisecond) // a slow consumer, not a wait for the test
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			t.Errorf("change %v after stop", c)
		}
	}, t.Logf)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case s.in <- fakeRead{msgs: []darwinRouteMsg{darwinMsg(darwinRTMDelete, "10.8.0.0/24", "link#10", 0), darwinMsg(darwinRTMDelete, "::/3", "::1", darwinRTFReject)}}:
			case <-quit:
				return
			}
		}
	}()
	w.stop()
	mu.Lock()
	stopped = true
	mu.Unlock()
	close(quit)
	wg.Wait()
}

// TestDarwinRestoreRoute: each kind of recorded route is added again in
// the form Revert removes; one that is back already is fine.
func TestDarwinRestoreRoute(t *testing.T) {
	tests := []struct {
		route AppliedRoute
		want  string
	}{
		{darwinWatchApplied.Routes[0], "RTM_ADD -inet 10.20.0.0/16 gateway 10.8.0.1 flags UP|GATEWAY|STATIC"},
		{darwinWatchApplied.Routes[1], "RTM_ADD -inet 10.8.0.0/24 interface utun4 flags UP|STATIC"},
		{darwinWatchApplied.Routes[2], "RTM_ADD -inet 198.51.100.7/32 gateway 192.0.2.254 flags UP|GATEWAY|HOST|STATIC"},
		{darwinWatchApplied.Routes[3], "RTM_ADD -inet6 2001:db8:5::/48 gateway fe80::1%en0 flags UP|GATEWAY|STATIC"},
		{darwinWatchApplied.Routes[4], "RTM_ADD -inet6 ::/3 gateway ::1 flags UP|GATEWAY|STATIC|REJECT"},
	}
	for _, tt := range tests {
		r := &darwinRecorder{}
		if err := restoreDarwin(r, tt.route, r.logf); err != nil {
			t.Fatal(err)
		}
		want := []string{tt.want, "# restored " + describe(tt.route)}
		if strings.Join(r.calls, "\n") != strings.Join(want, "\n") {
			t.Errorf("calls %q, want %q", r.calls, want)
		}
	}
	r := &darwinRecorder{exists: map[string]bool{"10.20.0.0/16": true}}
	if err := restoreDarwin(r, darwinWatchApplied.Routes[0], r.logf); err != nil {
		t.Errorf("restoring a route that is back: %v", err)
	}
	r = &darwinRecorder{failOn: "10.20.0.0/16"}
	if err := restoreDarwin(r, darwinWatchApplied.Routes[0], r.logf); !errors.Is(err, syscall.EPERM) {
		t.Errorf("err = %v, want EPERM", err)
	}
}

// rtMsghdr builds a route message as macOS lays it out: rtm_msglen,
// rtm_version 5, rtm_type, and rtm_errno at its offset, padded to size.
func rtMsghdr(typ byte, errno uint32, size int) []byte {
	b := make([]byte, size)
	binary.NativeEndian.PutUint16(b, uint16(size))
	b[2], b[3] = 5, typ
	binary.NativeEndian.PutUint32(b[darwinRTMErrnoOff:], errno)
	return b
}

// TestSplitDarwinRouteMsgs: a read is cut into messages by their
// lengths, each with its own rtm_errno, and a bad length loses only
// what follows it.
func TestSplitDarwinRouteMsgs(t *testing.T) {
	a, b, c := rtMsghdr(darwinRTMAdd, 0, 92), rtMsghdr(darwinRTMAdd, uint32(syscall.EEXIST), 140), rtMsghdr(darwinRTMDelete, 0, 100)
	read := slices.Concat(a, b, c)
	msgs, err := splitDarwinRouteMsgs(read)
	if err != nil || len(msgs) != 3 || len(msgs[0]) != 92 || len(msgs[1]) != 140 || len(msgs[2]) != 100 {
		t.Fatalf("split into %d messages, %v", len(msgs), err)
	}
	for i, want := range []syscall.Errno{0, syscall.EEXIST, 0} {
		if got := darwinRTMErrno(msgs[i]); got != want {
			t.Errorf("message %d: errno %v, want %v", i, got, want)
		}
	}
	if got := darwinRTMErrno(a[:20]); got != 0 {
		t.Errorf("errno of a short message: %v", got)
	}
	for _, bad := range [][]byte{
		slices.Concat(a, []byte{1, 2}),          // a stub after a message
		slices.Concat(a, b[:100]),               // a message cut short
		slices.Concat(a, []byte{0, 0, 5, 1, 0}), // length 0
	} {
		msgs, err := splitDarwinRouteMsgs(bad)
		if !errors.Is(err, errDarwinRouteParse) || len(msgs) != 1 {
			t.Errorf("% x...: %d messages, %v; want the first and an error", bad[92:], len(msgs), err)
		}
	}
}
