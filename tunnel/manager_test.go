package tunnel_test

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
	"sync/atomic"
	"testing"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

func newTestManager(t *testing.T, o *tunneltest.OS, mod func(*tunnel.Config)) (*tunnel.Manager, *logs.Dir) {
	t.Helper()
	dir, err := logs.Open(t.TempDir(), logs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dir.Close() })
	cfg := tunnel.Config{StateDir: t.TempDir(), Hooks: o.Hooks(), Logf: dir.Logger(false).Logf, ConnLog: dir.Connections(),
		Redact: dir.Redactor().Redact, StatsInterval: 10 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	m := tunnel.NewManager(cfg)
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m, dir
}

func waitState(t *testing.T, m *tunnel.Manager, name, state string) tunnel.Status {
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
	return tunnel.Status{}
}

func TestManagerConnectDisconnect(t *testing.T) {
	o := tunneltest.NewOS()
	m, dir := newTestManager(t, o, nil)
	events, stop := m.Subscribe()
	defer stop()
	tn, err := m.Connect(context.Background(), tunnel.Request{Profile: tunneltest.Profile("work"), Owner: 1000})
	if err != nil {
		t.Fatal(err)
	}
	f := o.Session(t, "work")
	if err := f.BringUp(t, "10.8.0", "10.20.0.0 255.255.0.0"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, "work", "connected")
	f.Tx.Store(1234)
	f.Rx.Store(5678)
	st := waitState(t, m, "work", "connected")
	if st.IPv4 != "10.8.0.2" || st.Cipher != "AES-256-GCM" || st.Owner != 1000 || st.TxBytes != 1234 || st.RxBytes != 5678 {
		t.Errorf("status %+v", st)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if ev := <-events; ev.Kind == tunnel.EventStats && ev.Status.TxBytes == 1234 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no stats event")
		}
	}
	state := m.StatePath("work")
	if _, err := os.Stat(state); err != nil {
		t.Errorf("no state file while connected: %v", err)
	}
	if err := m.Disconnect(context.Background(), "work"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file left after disconnect: %v", err)
	}
	if len(o.Reverted()) != 1 || o.Reverted()[0] != "cvpn0" {
		t.Errorf("reverted %v, want [cvpn0]", o.Reverted())
	}
	if tn.Err() != nil || len(m.List()) != 0 {
		t.Errorf("after disconnect: err %v list %v", tn.Err(), m.List())
	}
	if err := m.Disconnect(context.Background(), "work"); !errors.Is(err, tunnel.ErrNotConnected) {
		t.Errorf("second disconnect: %v", err)
	}

	kinds := map[tunnel.EventKind]int{}
	for len(events) > 0 {
		kinds[(<-events).Kind]++
	}
	if kinds[tunnel.EventState] < 1 || kinds[tunnel.EventLog] < 1 {
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
	o := tunneltest.NewOS()
	m, _ := newTestManager(t, o, nil)
	ctx := context.Background()
	for i := range tunnel.MaxTunnels {
		if _, err := m.Connect(ctx, tunnel.Request{Profile: tunneltest.Profile(fmt.Sprintf("p%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := m.Connect(ctx, tunnel.Request{Profile: tunneltest.Profile("p0")})
	if !errors.Is(err, tunnel.ErrAlreadyUp) {
		t.Errorf("same profile twice: %v", err)
	}
	_, err = m.Connect(ctx, tunnel.Request{Profile: tunneltest.Profile("sixth")})
	if !errors.Is(err, tunnel.ErrTooMany) || !strings.Contains(err.Error(), "p0, p1, p2, p3, p4") {
		t.Errorf("sixth tunnel: %v", err)
	}
	if err := m.Disconnect(ctx, "p3"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Connect(ctx, tunnel.Request{Profile: tunneltest.Profile("sixth")}); err != nil {
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
			o := tunneltest.NewOS()
			m, _ := newTestManager(t, o, nil)
			ctx := context.Background()
			if _, err := m.Connect(ctx, tunnel.Request{Profile: tunneltest.Profile("first")}); err != nil {
				t.Fatal(err)
			}
			if err := o.Session(t, "first").BringUp(t, "10.8.0", "10.20.0.0 255.255.0.0"); err != nil {
				t.Fatal(err)
			}
			p := tunneltest.Profile("second")
			if tt.profRoute != "" {
				p.Routing.Routes = []profile.Route{{Network: tt.profRoute, Netmask: netip.MustParseAddr("255.255.255.0"), Metric: -1}}
			}
			_, err := m.Connect(ctx, tunnel.Request{Profile: p})
			if err == nil {
				err = o.Session(t, "second").BringUp(t, tt.subnet, tt.routes...)
			}
			var ce *tunnel.ConflictError
			if !tt.conflict {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.As(err, &ce) {
				t.Fatalf("err %v, want a tunnel.ConflictError", err)
			}
			if ce.Tunnel != "second" || ce.Other != "first" || ce.Mine.String() != tt.mine || ce.Theirs.String() != tt.their {
				t.Errorf("conflict %+v", ce)
			}
			if !strings.Contains(err.Error(), `"second"`) || !strings.Contains(err.Error(), `"first"`) {
				t.Errorf("message %q does not name both tunnels", err)
			}
			if o.Applied("cvpn0") == nil {
				t.Error("the connected tunnel's configuration was touched")
			}
		})
	}
}

func TestManagerRecover(t *testing.T) {
	o := tunneltest.NewOS()
	stateDir := t.TempDir()
	m, _ := newTestManager(t, o, func(c *tunnel.Config) { c.StateDir = stateDir })
	if _, err := m.Connect(context.Background(), tunnel.Request{Profile: tunneltest.Profile("crashy")}); err != nil {
		t.Fatal(err)
	}
	if err := o.Session(t, "crashy").BringUp(t, "10.8.0", "10.20.0.0 255.255.0.0"); err != nil {
		t.Fatal(err)
	}
	// The process "dies" here: a fresh manager on the same state dir.
	o2 := tunneltest.NewOS()
	m2, _ := newTestManager(t, o2, func(c *tunnel.Config) { c.StateDir = stateDir })
	done, err := m2.Recover()
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 1 || !strings.Contains(done[0], `"crashy"`) || !strings.Contains(done[0], "1 routes") {
		t.Errorf("recovered %q", done)
	}
	if len(o2.Reverted()) != 1 || o2.Reverted()[0] != "cvpn0" {
		t.Errorf("reverted %v", o2.Reverted())
	}
	if left, _ := filepath.Glob(filepath.Join(stateDir, "*")); len(left) != 0 {
		t.Errorf("state files left: %v", left)
	}
	if again, err := m2.Recover(); err != nil || len(again) != 0 {
		t.Errorf("second recover: %v %v", again, err)
	}
}

func TestManagerGuard(t *testing.T) {
	o := tunneltest.NewOS()
	var crowded atomic.Bool
	guard := func(context.Context) error {
		if crowded.Load() {
			return violation{}
		}
		return nil
	}
	m, dir := newTestManager(t, o, func(c *tunnel.Config) { c.Guard = guard })
	crowded.Store(true)
	if _, err := m.Connect(context.Background(), tunnel.Request{Profile: tunneltest.Profile("a")}); err == nil || !strings.Contains(err.Error(), "2 users") {
		t.Fatalf("connect with two users: %v", err)
	}
	if recs := readConnLog(t, dir); len(recs) != 1 || recs[0].Result != logs.ResultFailed ||
		!strings.Contains(recs[0].Error, "2 users") || recs[0].Endpoint != "198.51.100.1:1194" {
		t.Errorf("the refusal was not logged as an attempt: %+v", recs)
	}
	crowded.Store(false)
	tn, err := m.Connect(context.Background(), tunnel.Request{Profile: tunneltest.Profile("a")})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Session(t, "a").BringUp(t, "10.8.0"); err != nil {
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
		if ev.Kind == tunnel.EventNotice && strings.Contains(ev.Message, "2 users") {
			return
		}
	}
}

// The status says what DNS the tunnel set, for the app's details pane.
func TestManagerStatusDNS(t *testing.T) {
	o := tunneltest.NewOS()
	m, _ := newTestManager(t, o, nil)
	p := tunneltest.Profile("dns")
	p.DNS.Options = []profile.DHCPOption{{Type: "DNS", Value: "10.1.1.1"}, {Type: "DOMAIN", Value: "corp.example"}}
	if _, err := m.Connect(context.Background(), tunnel.Request{Profile: p, Owner: 1000}); err != nil {
		t.Fatal(err)
	}
	if err := o.Session(t, "dns").BringUp(t, "10.8.0"); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, m, "dns", "connected")
	if want := "servers [10.1.1.1] search [corp.example] route []"; st.DNS != want {
		t.Errorf("status DNS %q, want %q", st.DNS, want)
	}
}
