package tunnel

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/tun"
)

// fakeSession is a session the test scripts: it reports what the test
// sends and ends when closed.
type fakeSession struct {
	opts   openvpn.Options
	events chan openvpn.Event
	done   chan struct{}
	once   sync.Once
	err    error
	tx, rx atomic.Uint64
}

func (f *fakeSession) Events() <-chan openvpn.Event { return f.events }
func (f *fakeSession) Close() error                 { f.end(nil); return nil }
func (f *fakeSession) Wait() error                  { <-f.done; return f.err }
func (f *fakeSession) Stats() openvpn.Stats {
	return openvpn.Stats{TxBytes: f.tx.Load(), RxBytes: f.rx.Load()}
}

func (f *fakeSession) end(err error) {
	f.once.Do(func() {
		f.err = err
		f.events <- &openvpn.StateChange{Time: time.Now(), To: openvpn.StateDisconnected, Err: err}
		close(f.events)
		close(f.done)
	})
}

// fakeOS records what the manager applies and reverts.
type fakeOS struct {
	mu       sync.Mutex
	applied  map[string]*tun.Applied // by interface
	reverted []string
	sessions map[string]*fakeSession // by profile
	devices  int
}

func newFakeOS() *fakeOS {
	return &fakeOS{applied: map[string]*tun.Applied{}, sessions: map[string]*fakeSession{}}
}

func (o *fakeOS) hooks() Hooks {
	return Hooks{
		CreateDevice: func(name string, mtu int) (openvpn.Device, string, error) {
			o.mu.Lock()
			defer o.mu.Unlock()
			if name == "" {
				name = fmt.Sprintf("cvpn%d", o.devices)
			}
			o.devices++
			return nil, name, nil
		},
		Dial: func(ctx context.Context, p *profile.Profile, dev openvpn.Device, opts openvpn.Options) (Session, error) {
			f := &fakeSession{opts: opts, events: make(chan openvpn.Event, 16), done: make(chan struct{})}
			o.mu.Lock()
			o.sessions[p.Name] = f
			o.mu.Unlock()
			return f, nil
		},
		Apply: func(cfg tun.Config, _ tun.Logf) (*tun.Applied, error) {
			a := &tun.Applied{Interface: cfg.Interface, Addresses: cfg.Addresses}
			for _, r := range cfg.Routes {
				a.Routes = append(a.Routes, tun.AppliedRoute{Route: r, Device: cfg.Interface})
			}
			o.mu.Lock()
			o.applied[cfg.Interface] = a
			o.mu.Unlock()
			return a, nil
		},
		Revert: func(a *tun.Applied, _ tun.Logf) error {
			o.mu.Lock()
			delete(o.applied, a.Interface)
			o.reverted = append(o.reverted, a.Interface)
			o.mu.Unlock()
			return nil
		},
	}
}

func (o *fakeOS) session(t *testing.T, name string) *fakeSession {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.sessions[name]
	if s == nil {
		t.Fatalf("no session for %s", name)
	}
	return s
}

var testLink = openvpn.Link{Remote: netip.MustParseAddrPort("198.51.100.1:1194"), Proto: profile.ProtoUDP}

func testProfile(name string) *profile.Profile {
	return &profile.Profile{Name: name, Remotes: []profile.Remote{{Host: "198.51.100.1", Port: 1194}}}
}

// bringUp plays a server that pushes routes, then reports connected.
func bringUp(t *testing.T, f *fakeSession, subnet string, routes ...string) error {
	t.Helper()
	items := []string{"topology subnet", "route-gateway " + subnet + ".1", "ifconfig " + subnet + ".2 255.255.255.0"}
	for _, r := range routes {
		items = append(items, "route "+r)
	}
	opts, err := push.ParseOptions(items...)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.opts.Configure(context.Background(), opts, testLink); err != nil {
		return err
	}
	f.events <- &openvpn.StateChange{Time: time.Now(), From: openvpn.StateGettingConfig, To: openvpn.StateConnected,
		Remote: testLink.Remote, Proto: "udp",
		Connection: &openvpn.ConnectionInfo{Cipher: "AES-256-GCM", IPv4: netip.MustParsePrefix(subnet + ".2/24")}}
	return nil
}

func newTestManager(t *testing.T, o *fakeOS, mod func(*Config)) (*Manager, *logs.Dir) {
	t.Helper()
	dir, err := logs.Open(t.TempDir(), logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dir.Close() })
	cfg := Config{StateDir: t.TempDir(), Hooks: o.hooks(), Logf: dir.Logger(false).Logf, ConnLog: dir.Connections(),
		Redact: dir.Redactor().Redact, StatsInterval: 10 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	m := NewManager(cfg)
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m, dir
}

func waitState(t *testing.T, m *Manager, name, state string) Status {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, st := range m.List() {
			if st.Profile == name && st.State == state {
				return st
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never reached %s; have %+v", name, state, m.List())
	return Status{}
}

func TestManagerConnectDisconnect(t *testing.T) {
	o := newFakeOS()
	m, dir := newTestManager(t, o, nil)
	events, stop := m.Subscribe()
	defer stop()
	tn, err := m.Connect(context.Background(), Request{Profile: testProfile("work"), Owner: 1000})
	if err != nil {
		t.Fatal(err)
	}
	f := o.session(t, "work")
	if err := bringUp(t, f, "10.8.0", "10.20.0.0 255.255.0.0"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, "work", "connected")
	f.tx.Store(1234)
	f.rx.Store(5678)
	st := waitState(t, m, "work", "connected")
	if st.IPv4 != "10.8.0.2" || st.Cipher != "AES-256-GCM" || st.Owner != 1000 || st.TxBytes != 1234 || st.RxBytes != 5678 {
		t.Errorf("status %+v", st)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ev := <-events; ev.Kind == EventStats && ev.Status.TxBytes == 1234 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no stats event")
		}
	}
	state := m.statePath("work")
	if _, err := os.Stat(state); err != nil {
		t.Errorf("no state file while connected: %v", err)
	}
	if err := m.Disconnect(context.Background(), "work"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left after disconnect: %v", err)
	}
	if len(o.reverted) != 1 || o.reverted[0] != "cvpn0" {
		t.Errorf("reverted %v, want [cvpn0]", o.reverted)
	}
	if tn.Err() != nil || len(m.List()) != 0 {
		t.Errorf("after disconnect: err %v list %v", tn.Err(), m.List())
	}
	if err := m.Disconnect(context.Background(), "work"); !errors.Is(err, ErrNotConnected) {
		t.Errorf("second disconnect: %v", err)
	}

	kinds := map[EventKind]int{}
	for len(events) > 0 {
		kinds[(<-events).Kind]++
	}
	if kinds[EventState] < 1 || kinds[EventLog] < 1 {
		t.Errorf("events by kind %v: want state and log events", kinds)
	}

	recs := readConnLog(t, dir)
	if len(recs) != 1 {
		t.Fatalf("connection log %+v, want one record", recs)
	}
	r := recs[0]
	if r.Result != logs.ResultConnected || r.Profile != "work" || r.Endpoint != "198.51.100.1:1194" ||
		r.AssignedAddr != "10.8.0.2" || r.BytesOut != 1234 || r.BytesIn != 5678 || r.AuthMode != "certificate" {
		t.Errorf("record %+v", r)
	}
}

func readConnLog(t *testing.T, dir *logs.Dir) []logs.ConnectionRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(dir.Path(), "connection.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []logs.ConnectionRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r logs.ConnectionRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func TestManagerLimits(t *testing.T) {
	o := newFakeOS()
	m, _ := newTestManager(t, o, nil)
	ctx := context.Background()
	for i := range MaxTunnels {
		if _, err := m.Connect(ctx, Request{Profile: testProfile(fmt.Sprintf("p%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := m.Connect(ctx, Request{Profile: testProfile("p0")})
	if !errors.Is(err, ErrAlreadyUp) {
		t.Errorf("same profile twice: %v", err)
	}
	_, err = m.Connect(ctx, Request{Profile: testProfile("sixth")})
	if !errors.Is(err, ErrTooMany) || !strings.Contains(err.Error(), "p0, p1, p2, p3, p4") {
		t.Errorf("sixth tunnel: %v", err)
	}
	if err := m.Disconnect(ctx, "p3"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Connect(ctx, Request{Profile: testProfile("sixth")}); err != nil {
		t.Errorf("after a disconnect: %v", err)
	}
}

func TestManagerRouteConflict(t *testing.T) {
	tests := []struct {
		name        string
		subnet      string
		routes      []string
		profRoute   string // a route line in the refused profile itself
		conflict    bool
		mine, their string
	}{
		{name: "disjoint", subnet: "10.9.0", routes: []string{"172.16.0.0 255.255.0.0"}},
		{name: "same route", subnet: "10.9.0", routes: []string{"10.20.0.0 255.255.0.0"}, conflict: true, mine: "10.20.0.0/16", their: "10.20.0.0/16"},
		{name: "nested route", subnet: "10.9.0", routes: []string{"10.20.5.0 255.255.255.0"}, conflict: true, mine: "10.20.5.0/24", their: "10.20.0.0/16"},
		{name: "same tunnel subnet", subnet: "10.8.0", conflict: true, mine: "10.8.0.0/24", their: "10.8.0.0/24"},
		{name: "profile route", subnet: "10.9.0", profRoute: "10.20.1.0", conflict: true, mine: "10.20.1.0/24", their: "10.20.0.0/16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newFakeOS()
			m, _ := newTestManager(t, o, nil)
			ctx := context.Background()
			if _, err := m.Connect(ctx, Request{Profile: testProfile("first")}); err != nil {
				t.Fatal(err)
			}
			if err := bringUp(t, o.session(t, "first"), "10.8.0", "10.20.0.0 255.255.0.0"); err != nil {
				t.Fatal(err)
			}
			p := testProfile("second")
			if tt.profRoute != "" {
				p.Routing.Routes = []profile.Route{{Network: tt.profRoute, Netmask: netip.MustParseAddr("255.255.255.0"), Metric: -1}}
			}
			_, err := m.Connect(ctx, Request{Profile: p})
			if err == nil {
				err = bringUp(t, o.session(t, "second"), tt.subnet, tt.routes...)
			}
			var ce *ConflictError
			if !tt.conflict {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.As(err, &ce) {
				t.Fatalf("err %v, want a ConflictError", err)
			}
			if ce.Tunnel != "second" || ce.Other != "first" || ce.Mine.String() != tt.mine || ce.Theirs.String() != tt.their {
				t.Errorf("conflict %+v", ce)
			}
			if !strings.Contains(err.Error(), `"second"`) || !strings.Contains(err.Error(), `"first"`) {
				t.Errorf("message %q does not name both tunnels", err)
			}
			if o.applied["cvpn0"] == nil {
				t.Error("the connected tunnel's configuration was touched")
			}
		})
	}
}

func TestManagerRecover(t *testing.T) {
	o := newFakeOS()
	stateDir := t.TempDir()
	m, _ := newTestManager(t, o, func(c *Config) { c.StateDir = stateDir })
	if _, err := m.Connect(context.Background(), Request{Profile: testProfile("crashy")}); err != nil {
		t.Fatal(err)
	}
	if err := bringUp(t, o.session(t, "crashy"), "10.8.0", "10.20.0.0 255.255.0.0"); err != nil {
		t.Fatal(err)
	}
	// The process "dies" here: a fresh manager on the same state dir.
	o2 := newFakeOS()
	m2, _ := newTestManager(t, o2, func(c *Config) { c.StateDir = stateDir })
	done, err := m2.Recover()
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 1 || !strings.Contains(done[0], `"crashy"`) || !strings.Contains(done[0], "1 routes") {
		t.Errorf("recovered %q", done)
	}
	if len(o2.reverted) != 1 || o2.reverted[0] != "cvpn0" {
		t.Errorf("reverted %v", o2.reverted)
	}
	if left, _ := filepath.Glob(filepath.Join(stateDir, "*")); len(left) != 0 {
		t.Errorf("state files left: %v", left)
	}
	if again, err := m2.Recover(); err != nil || len(again) != 0 {
		t.Errorf("second recover: %v %v", again, err)
	}
}

func TestManagerGuard(t *testing.T) {
	o := newFakeOS()
	var crowded atomic.Bool
	guard := func(context.Context) error {
		if crowded.Load() {
			return errors.New("2 users are logged in")
		}
		return nil
	}
	m, _ := newTestManager(t, o, func(c *Config) { c.Guard = guard })
	crowded.Store(true)
	if _, err := m.Connect(context.Background(), Request{Profile: testProfile("a")}); err == nil || !strings.Contains(err.Error(), "2 users") {
		t.Fatalf("connect with two users: %v", err)
	}
	crowded.Store(false)
	tn, err := m.Connect(context.Background(), Request{Profile: testProfile("a")})
	if err != nil {
		t.Fatal(err)
	}
	if err := bringUp(t, o.session(t, "a"), "10.8.0"); err != nil {
		t.Fatal(err)
	}
	events, stop := m.Subscribe()
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go m.WatchGuard(ctx, 5*time.Millisecond)
	crowded.Store(true)
	select {
	case <-tn.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the tunnel stayed up after a second user logged in")
	}
	if tn.Err() == nil || !strings.Contains(tn.Err().Error(), "2 users") {
		t.Errorf("tunnel ended with %v", tn.Err())
	}
	for ev := range events {
		if ev.Kind == EventNotice && strings.Contains(ev.Message, "2 users") {
			return
		}
	}
}
