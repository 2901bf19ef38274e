package viewmodel

// How state reaches the window. Every arrow that crosses a goroutine goes
// through Model.mu; the view only ever reads a View snapshot.
//
//	service ──events──▶ watch goroutine ──apply──▶ Model state ──changed()──▶ onChange (view: fyne.Do)
//	   ▲                   │ stream lost: ServiceDown, retry after MinInterval
//	   │                   └ stats: redraw at most once per MinInterval (statsTimer)
//	   │
//	   └──connect──  connect goroutine (one per attempt, Backend.Connect)
//	                   │ asker: a prompt ──▶ signIns ──▶ View.SignIn
//	                   │                                 │ Answer / CancelSignIn (view)
//	                   ◀──────── reply channel ──────────┘
//
// Close cancels the Model's context, which ends the stream, the connects
// (usersession disconnects a tunnel that was not up yet) and the waits,
// then waits for every goroutine.

import (
	"context"
	"time"

	"github.com/cvpn/cvpn/service/api"
)

// Start reads the profiles and follows the service's events until Close.
func (m *Model) Start() {
	_ = m.Refresh()
	m.spawn(func() { m.watch(m.ctx) })
}

// Close stops everything the Model started and waits for it. Tunnels that
// are up stay up: they are the service's.
func (m *Model) Close() {
	m.mu.Lock()
	m.closed = true
	if m.statsTimer != nil {
		m.statsTimer.Stop()
		m.statsTimer = nil
	}
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
}

// watch subscribes to the events, applies them, and subscribes again no
// sooner than MinInterval after losing the stream.
func (m *Model) watch(ctx context.Context) {
	for ctx.Err() == nil {
		if err := m.follow(ctx); err != nil && ctx.Err() == nil {
			m.lost(err)
		}
		if !m.sleep(ctx, MinInterval) {
			return
		}
	}
}

// follow reads one subscription until it fails.
func (m *Model) follow(ctx context.Context) error {
	events, err := m.b.Events(ctx)
	if err != nil {
		return err
	}
	defer events.Close()
	m.mu.Lock()
	// The stream starts with every tunnel's state: forget what it replaces.
	m.tunnels = map[string]*api.Status{}
	wasDown := m.serviceDown
	m.serviceDown = false
	if wasDown && m.lastErr != nil && m.lastErr.ServiceDown {
		m.lastErr = nil
	}
	m.mu.Unlock()
	m.changed()
	for {
		ev, err := events.Next()
		if err != nil {
			return err
		}
		m.apply(ev)
	}
}

// lost records that the service cannot be reached.
func (m *Model) lost(err error) {
	e := explain("", err)
	if e == nil || !e.ServiceDown {
		// The stream broke or the service is stopping: it is down all the same.
		e = serviceDown()
		if d := explain("", err); d != nil && d.Reason == api.ReasonServiceStopping {
			e.Advice = d.Advice
		}
	}
	m.mu.Lock()
	m.serviceDown = true
	m.tunnels = map[string]*api.Status{}
	m.lastErr = e
	m.mu.Unlock()
	m.changed()
}

// sleep waits d on the Model's clock; false when ctx ended first.
func (m *Model) sleep(ctx context.Context, d time.Duration) bool {
	wake := make(chan struct{})
	t := m.clock.AfterFunc(d, func() { close(wake) })
	select {
	case <-wake:
		return true
	case <-ctx.Done():
		t.Stop()
		return false
	}
}

// apply takes in one event. Counters are redrawn at most once per
// MinInterval; everything else at once.
func (m *Model) apply(ev *api.Event) {
	m.mu.Lock()
	if ev.Kind == api.EventWarning || ev.Kind == api.EventNotice {
		m.noticeLocked(ev, nil)
		m.mu.Unlock()
		m.flushNotices()
		return
	}
	if ev.Tunnel == "" {
		m.mu.Unlock()
		return
	}
	switch ev.Kind {
	case api.EventStats:
		if ev.Status != nil {
			m.tunnels[ev.Tunnel] = ev.Status
		}
		now := m.statsDueLocked()
		m.mu.Unlock()
		if now {
			m.changed()
		}
		return
	case api.EventState:
		m.noticeLocked(ev, m.tunnels[ev.Tunnel])
		m.applyState(ev)
	default:
		m.mu.Unlock()
		return
	}
	m.mu.Unlock()
	m.flushNotices()
	m.changed()
}

// applyState records a state change; mu is held.
func (m *Model) applyState(ev *api.Event) {
	st := ev.Status
	if st == nil {
		st = &api.Status{Profile: ev.Tunnel}
		if old := m.tunnels[ev.Tunnel]; old != nil {
			c := *old
			st = &c
		}
	}
	st.State = ev.State
	if st.Detail == "" {
		st.Detail = ev.Message
	}
	switch ev.State {
	case api.StateDisconnected:
		delete(m.tunnels, ev.Tunnel)
		m.dropSignIns(ev.Tunnel)
		if ev.Reason != "" && ev.Reason != api.ReasonCanceled {
			m.raiseLocked(reasoned(ev.Tunnel, ev.Message, ev.Reason))
		}
		return
	case api.StateConnected:
		m.dropSignIns(ev.Tunnel)
		if m.lastErr != nil && m.lastErr.Profile == ev.Tunnel {
			m.lastErr = nil
		}
	}
	m.tunnels[ev.Tunnel] = st
}

// statsDueLocked reports whether counters may be redrawn now (the last
// redraw is MinInterval old); otherwise it schedules one for then, which
// shows the latest counters. mu is held.
func (m *Model) statsDueLocked() bool {
	if m.statsTimer != nil || m.closed {
		return false // a redraw is due already
	}
	now := m.clock.Now()
	wait := m.lastStats.Add(MinInterval).Sub(now)
	if wait <= 0 {
		m.lastStats = now
		return true
	}
	m.statsTimer = m.clock.AfterFunc(wait, func() {
		m.mu.Lock()
		closed := m.closed
		m.statsTimer = nil
		m.lastStats = m.clock.Now()
		m.mu.Unlock()
		if !closed {
			m.changed()
		}
	})
	return false
}
