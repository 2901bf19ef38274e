package tunnel

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"sync"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/netcfg"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/profile"
)

// Status is a tunnel as the CLI and GUI show it.
type Status struct {
	Profile  string `json:"profile"`
	Device   string `json:"device"`
	State    string `json:"state"`
	Detail   string `json:"detail,omitempty"`
	AuthMode string `json:"auth_mode"`
	// Remote is the server in use or being tried, Proto its transport.
	Remote string `json:"remote,omitempty"`
	Proto  string `json:"proto,omitempty"`
	Cipher string `json:"cipher,omitempty"`
	IPv4   string `json:"ipv4,omitempty"`
	IPv6   string `json:"ipv6,omitempty"`
	// DNS is the name resolution the tunnel set, in words ("servers
	// [10.8.0.1] search [corp.example] …"); empty when it set none.
	DNS string `json:"dns,omitempty"`
	// Started is when Connect was called; ConnectedSince when the current
	// connection came up (zero while not connected).
	Started        time.Time  `json:"started"`
	ConnectedSince *time.Time `json:"connected_since,omitempty"`
	TxBytes        uint64     `json:"tx_bytes"`
	RxBytes        uint64     `json:"rx_bytes"`
	TxPackets      uint64     `json:"tx_packets"`
	RxPackets      uint64     `json:"rx_packets"`
	Reconnects     uint64     `json:"reconnects"`
	// Owner is the uid that connected the tunnel, -1 if unknown.
	Owner int `json:"owner"`
	// LastError is why the last attempt failed, if it did; LastErr is
	// the error itself, for the service to classify.
	LastError string `json:"last_error,omitempty"`
	LastErr   error  `json:"-"`
}

// Tunnel is one running session with its device and network changes.
type Tunnel struct {
	m      *Manager
	name   string
	prof   *profile.Profile
	dev    string
	mtu    int
	owner  int
	sess   Session
	cancel context.CancelFunc
	done   chan struct{} // closed when watch has undone everything
	debug  logs.Func     // packet-level detail's sink, nil for none
	// releaseGC ends the connect's hold on the garbage collector
	// (memory.go): once the tunnel is first up, or when it ends.
	releaseGC func()

	mu      sync.Mutex
	st      Status
	netConf *netcfg.Config  // applied configuration, nil when none
	applied *netcfg.Applied // what Apply changed
	reason  error           // why we are disconnecting, for the records
	err     error           // how the session ended
	attempt attemptRecord
	rw      routeWatch // see routewatch.go
}

// attemptRecord accumulates one connection log line.
type attemptRecord struct {
	start     time.Time
	connected time.Time
	endpoint  string
	proto     string
	addr      string
	tx, rx    uint64 // counters when the connection came up
}

func newTunnel(m *Manager, req Request, dev string, mtu int) *Tunnel {
	p := req.Profile
	now := time.Now()
	t := &Tunnel{m: m, name: p.Name, prof: p, dev: dev, mtu: mtu, owner: req.Owner, done: make(chan struct{}), releaseGC: func() {}}
	t.st = Status{Profile: p.Name, Device: dev, State: openvpn.StateIdle.String(), AuthMode: authMode(p),
		Started: now, Owner: req.Owner}
	t.attempt.start = now
	t.rw.enforce = req.EnforceRoutes
	return t
}

func authMode(p *profile.Profile) string {
	switch p.AuthMode() {
	case profile.AuthSAML:
		return "saml"
	case profile.AuthUserPass:
		return "userpass"
	case profile.AuthUserPassMFA:
		return "userpass+mfa"
	}
	return "certificate"
}

// Name is the profile name the tunnel runs.
func (t *Tunnel) Name() string { return t.name }

// Done is closed when the tunnel has stopped and its network changes are
// undone.
func (t *Tunnel) Done() <-chan struct{} { return t.done }

// Err is why the tunnel stopped (nil after a requested disconnect); valid
// after Done.
func (t *Tunnel) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Status returns a snapshot with live counters.
func (t *Tunnel) Status() Status {
	t.mu.Lock()
	st := t.st
	if t.netConf != nil && t.netConf.DNS != nil {
		st.DNS = t.netConf.DNS.String()
	}
	t.mu.Unlock()
	if t.sess != nil {
		s := t.sess.Stats()
		st.TxBytes, st.RxBytes = s.TxBytes, s.RxBytes
		st.TxPackets, st.RxPackets = s.TxPackets, s.RxPackets
		st.Reconnects = s.Reconnects
	}
	return st
}

// Disconnect says goodbye to the server and waits until the network is
// restored. reason, if not empty, is recorded as the cause. If ctx ends
// first the session is stopped without waiting for the server.
func (t *Tunnel) Disconnect(ctx context.Context, reason string) error {
	var err error
	if reason != "" {
		err = errors.New(reason)
	}
	return t.disconnect(ctx, err)
}

// disconnect is Disconnect with the cause as an error, so that the service
// can still tell a second user's login from the service stopping.
func (t *Tunnel) disconnect(ctx context.Context, reason error) error {
	t.mu.Lock()
	if t.reason == nil {
		t.reason = reason
	}
	t.mu.Unlock()
	go func() { _ = t.sess.Close() }()
	select {
	case <-t.done:
		return nil
	case <-ctx.Done():
		t.cancel()
		<-t.done
		return fmt.Errorf("disconnect %s: %w (stopped without waiting for the server)", t.name, ctx.Err())
	}
}

// watch follows the session until it ends, then undoes the network
// configuration. It is the only goroutine that reverts.
func (t *Tunnel) watch() {
	m := t.m
	var pace statsPace
	tick := time.NewTimer(pace.next(m.cfg.StatsInterval, false))
	defer tick.Stop()
	events := t.sess.Events()
	for events != nil {
		select {
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			t.handle(ev)
		case <-tick.C:
			moved := false
			if st := t.Status(); st.State == openvpn.StateConnected.String() {
				if moved = pace.moved(st); moved {
					m.bus.publish(Event{Kind: EventStats, Tunnel: t.name, Status: &st})
				}
			}
			tick.Reset(pace.next(m.cfg.StatsInterval, moved))
		}
	}
	err := t.sess.Wait()
	t.releaseGC()
	t.cancel()
	if rerr := t.revert(); rerr != nil {
		t.logf("undo network configuration: %v", rerr)
		m.bus.publish(Event{Kind: EventWarning, Tunnel: t.name,
			Message: "could not fully undo the network configuration: " + rerr.Error()})
	}
	t.mu.Lock()
	if t.reason != nil && err == nil {
		err = t.reason
	}
	t.err = err
	t.mu.Unlock()
	t.finishAttempt(err)
	m.remove(t)
	st := t.Status()
	st.State = openvpn.StateDisconnected.String()
	msg := ""
	if err != nil {
		msg = err.Error()
		st.LastError, st.LastErr = msg, err
	}
	m.logf("%s: disconnected%s", t.name, suffix(msg))
	m.bus.publish(Event{Kind: EventState, Tunnel: t.name, State: st.State, Message: msg, Err: err, Status: &st})
	close(t.done)
	releaseMemory()
}

func suffix(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}

func (t *Tunnel) handle(ev openvpn.Event) {
	m := t.m
	switch e := ev.(type) {
	case *openvpn.StateChange:
		t.onState(e)
	case *openvpn.Warning:
		t.logf("warning: %s", e.Message)
		m.bus.publish(Event{Kind: EventWarning, Tunnel: t.name, Message: e.Message})
	case *openvpn.AuthFailure:
		t.logf("%s", e)
		m.bus.publish(Event{Kind: EventAuthFailure, Tunnel: t.name, Message: e.String()})
	case *openvpn.Info:
		t.logf("%s", e)
		m.bus.publish(Event{Kind: EventInfo, Tunnel: t.name, Message: e.Text})
	}
}

func (t *Tunnel) onState(e *openvpn.StateChange) {
	t.mu.Lock()
	st := &t.st
	st.State, st.Detail = e.To.String(), e.Detail
	if e.Remote.IsValid() {
		st.Remote, st.Proto = e.Remote.String(), e.Proto
	}
	switch e.To {
	case openvpn.StateConnected:
		now := e.Time
		st.ConnectedSince, st.LastError, st.LastErr = &now, "", nil
		if c := e.Connection; c != nil {
			st.Cipher = c.Cipher
			st.IPv4, st.IPv6 = prefixString(c.IPv4), prefixString(c.IPv6)
		}
	case openvpn.StateReconnecting, openvpn.StateDisconnected:
		st.ConnectedSince = nil
		if e.Err != nil {
			st.LastError, st.LastErr = e.Err.Error(), e.Err
		}
	}
	snapshot := *st
	t.mu.Unlock()

	switch e.To {
	case openvpn.StateConnecting:
		t.attempt.endpoint, t.attempt.proto = e.Remote.String(), e.Proto
	case openvpn.StateConnected:
		// A moment later: the held-back collection then does not land
		// on the tunnel's first packets.
		time.AfterFunc(gcReleaseDelay, t.releaseGC)
		s := t.sess.Stats()
		t.attempt.connected = e.Time
		if e.Remote.IsValid() {
			t.attempt.endpoint, t.attempt.proto = e.Remote.String(), e.Proto
		}
		t.attempt.addr = snapshot.IPv4
		if t.attempt.addr == "" {
			t.attempt.addr = snapshot.IPv6
		}
		t.attempt.tx, t.attempt.rx = s.TxBytes, s.RxBytes
	case openvpn.StateReconnecting:
		t.finishAttempt(e.Err)
	}
	t.logf("%s", e)
	full := t.Status()
	full.State, full.Detail = snapshot.State, snapshot.Detail
	t.m.bus.publish(Event{Kind: EventState, Tunnel: t.name, State: snapshot.State, Message: e.String(), Err: e.Err, Status: &full})
}

func prefixString(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.Addr().String()
}

// finishAttempt writes the connection log line for the attempt in
// progress, if one is, and starts a new one.
func (t *Tunnel) finishAttempt(err error) {
	a := t.attempt
	if a.endpoint == "" && a.connected.IsZero() && err == nil {
		return // nothing was tried
	}
	rec := logs.ConnectionRecord{
		Time: a.start, Profile: t.name, Endpoint: a.endpoint, Transport: a.proto,
		AuthMode: authMode(t.prof), AssignedAddr: a.addr,
	}
	now := time.Now()
	switch {
	case !a.connected.IsZero():
		s := t.sess.Stats()
		rec.Result = logs.ResultConnected
		rec.Duration = now.Sub(a.connected)
		rec.BytesOut, rec.BytesIn = s.TxBytes-a.tx, s.RxBytes-a.rx
		if err != nil {
			rec.Error = err.Error()
		}
	case err == nil || errors.Is(err, context.Canceled) || errors.Is(err, openvpn.ErrCanceled):
		rec.Result = logs.ResultCancelled
		rec.Duration = now.Sub(a.start)
	default:
		rec.Result = logs.ResultFailed
		rec.Error = err.Error()
		rec.Duration = now.Sub(a.start)
	}
	if t.m.cfg.ConnLog != nil {
		if werr := t.m.cfg.ConnLog.Write(rec); werr != nil {
			t.logf("write connection log: %v", werr)
		}
	}
	t.attempt = attemptRecord{start: now}
}

// configure is the session's Configure hook: it checks the new
// configuration against the other tunnels, applies it and records it for
// crash recovery.
func (t *Tunnel) configure(_ context.Context, opts *push.Options, link openvpn.Link) error {
	m := t.m
	cfg, warns, err := NetConfig(t.dev, t.mtu, opts, t.prof, link)
	for _, w := range warns {
		t.logf("warning: %s", w)
		m.bus.publish(Event{Kind: EventWarning, Tunnel: t.name, Message: w})
	}
	if err != nil {
		return err
	}
	m.netMu.Lock()
	defer m.netMu.Unlock()
	t.mu.Lock()
	same := t.netConf != nil && reflect.DeepEqual(*t.netConf, cfg)
	t.mu.Unlock()
	if same {
		return nil // a reconnection with the same settings: leave the system alone
	}
	if err := m.checkConflict(t, &cfg); err != nil {
		return err
	}
	if err := t.revertLocked(); err != nil {
		return fmt.Errorf("undo the previous configuration: %w", err)
	}
	// Apply saves its record through Checkpoint before it overwrites a
	// file only that record can restore (resolv.conf). cfg itself stays
	// without the hook so that it compares equal on a reconnection.
	withCheckpoint := cfg
	withCheckpoint.Checkpoint = func(a *netcfg.Applied) error { return m.saveState(t.name, a) }
	a, err := m.cfg.Hooks.Apply(withCheckpoint, t.logf)
	if err != nil {
		m.dropState(t.name) // Apply undid everything, checkpointed or not
		return err
	}
	t.mu.Lock()
	t.netConf, t.applied = &cfg, a
	t.mu.Unlock()
	if err := m.saveState(t.name, a); err != nil {
		t.logf("warning: %v (a crash now would leave routes behind)", err)
	}
	t.startRouteWatch(a)
	return nil
}

// revert undoes the applied configuration, if any.
func (t *Tunnel) revert() error {
	t.m.netMu.Lock()
	defer t.m.netMu.Unlock()
	return t.revertLocked()
}

func (t *Tunnel) revertLocked() error {
	t.stopRouteWatch() // what Revert removes is not another program's doing
	t.mu.Lock()
	a := t.applied
	t.mu.Unlock()
	if a == nil {
		return nil
	}
	if err := t.m.cfg.Hooks.Revert(a, t.logf); err != nil {
		return err
	}
	t.mu.Lock()
	t.applied, t.netConf = nil, nil
	t.mu.Unlock()
	t.m.dropState(t.name)
	return nil
}

func (t *Tunnel) logf(format string, args ...any) {
	t.m.logf(t.name+": "+format, args...)
	t.m.bus.publishLog(t.name, format, args)
}

func (t *Tunnel) debugf(format string, args ...any) {
	t.debug(t.name+": "+format, args...)
}

// statsIdleSlowdown bounds how far the stats interval stretches while a
// tunnel's counters stand still.
const statsIdleSlowdown = 4

// statsPace decides when the next Stats event is due. While traffic flows a
// subscriber (the app's live byte counts) gets one every interval; while
// the counters stand still there is nothing new to say, so nothing is
// published and the interval doubles up to statsIdleSlowdown times: an idle
// tunnel then wakes the process every few seconds instead of every second
// (laptop battery). The first change after a pause is published within the
// stretched interval, and the pace returns to every interval.
type statsPace struct {
	tx, rx uint64
	sent   bool
	factor time.Duration
}

// moved reports whether st's counters differ from the last published ones
// (or none were published yet) and remembers them.
func (p *statsPace) moved(st Status) bool {
	if p.sent && st.TxBytes == p.tx && st.RxBytes == p.rx {
		return false
	}
	p.tx, p.rx, p.sent = st.TxBytes, st.RxBytes, true
	return true
}

// next returns the wait before the next check.
func (p *statsPace) next(interval time.Duration, moved bool) time.Duration {
	switch {
	case moved || p.factor == 0:
		p.factor = 1
	case p.factor < statsIdleSlowdown:
		p.factor *= 2
	}
	return interval * p.factor
}
