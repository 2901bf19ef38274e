package tunnel_test

import (
	"context"
	"testing"
	"time"

	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// TestStatsOnlyWhenCountersMove: an idle tunnel publishes no Stats events
// (each one wakes the service and every subscriber), and the first bytes
// after a pause are published again within the stretched interval.
func TestStatsOnlyWhenCountersMove(t *testing.T) {
	o := tunneltest.NewOS()
	m, _ := newTestManager(t, o, nil) // StatsInterval 10 ms
	events, stop := m.Subscribe()
	defer stop()
	if _, err := m.Connect(context.Background(), tunnel.Request{Profile: tunneltest.Profile("work"), Owner: 1000}); err != nil {
		t.Fatal(err)
	}
	f := o.Session(t, "work")
	if err := f.BringUp(t, "10.8.0"); err != nil {
		t.Fatal(err)
	}
	waitState(t, m, "work", "connected")
	f.Tx.Store(100)

	// Standing still for 50 intervals: the first check publishes the
	// counters once; the old every-interval ticker would have sent ~50.
	stats := 0
	for quiet := time.After(500 * time.Millisecond); ; {
		select {
		case ev := <-events:
			if ev.Kind == tunnel.EventStats {
				stats++
			}
			continue
		case <-quiet:
		}
		break
	}
	if stats < 1 || stats > 2 {
		t.Fatalf("%d Stats events while the counters stood still for 50 intervals; want 1 (2 at most)", stats)
	}

	f.Rx.Store(2000)
	for deadline := time.After(5 * time.Second); ; {
		select {
		case ev := <-events:
			if ev.Kind == tunnel.EventStats && ev.Status.RxBytes == 2000 {
				return
			}
		case <-deadline:
			t.Fatal("the change after the pause was never published")
		}
	}
}
