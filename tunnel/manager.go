package tunnel

// The manager runs up to MaxTunnels sessions side by side. Each tunnel is
// one goroutine (watch) reading its session's events; the manager's lock
// guards only the table of tunnels and their status, never a blocking call.
//
//	Connect ─▶ guard check ─▶ create TUN ─▶ openvpn.Dial ─▶ go watch
//	                                           │ Configure hook:
//	                                           │   conflict check ─▶ netcfg.Apply ─▶ state file
//	watch: events ─▶ status + Event bus + connection log
//	       session end ─▶ netcfg.Revert ─▶ remove state file ─▶ drop from table
//
// Disconnect asks the session to say goodbye (Close) and waits for watch to
// finish the undo, so when it returns the network is as it was.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/netcfg"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/tun"
)

// MaxTunnels is how many tunnels may be up at once.
const MaxTunnels = 5

// Sentinel errors for callers that turn them into advice or exit codes.
var (
	ErrTooMany      = fmt.Errorf("at most %d tunnels can be connected at once", MaxTunnels)
	ErrAlreadyUp    = errors.New("already connected")
	ErrNotConnected = errors.New("not connected")
	ErrClosed       = errors.New("the tunnel manager is shutting down")
	// ErrStopping is why Close ends the running tunnels.
	ErrStopping = errors.New("the cvpn service is stopping")
)

// Session is the part of *openvpn.Session the manager uses, so tests can
// drive the manager with a scripted session.
type Session interface {
	Events() <-chan openvpn.Event
	Close() error
	Wait() error
	Stats() openvpn.Stats
}

// Hooks are the manager's doors to the OS and the engine. The zero value
// of each field means the real thing; tests replace them.
type Hooks struct {
	// CreateDevice opens a TUN device; name may be a pattern like cvpn%d.
	// It returns the device and its actual name.
	CreateDevice func(name string, mtu int) (openvpn.Device, string, error)
	// Dial starts a session (openvpn.Dial).
	Dial func(ctx context.Context, p *profile.Profile, dev openvpn.Device, o openvpn.Options) (Session, error)
	// Apply and Revert change the OS network configuration (netcfg.Apply,
	// netcfg.Revert).
	Apply  func(cfg netcfg.Config, logf netcfg.Logf) (*netcfg.Applied, error)
	Revert func(a *netcfg.Applied, logf netcfg.Logf) error
	// Watch reports other programs' changes to the applied routes until
	// stop (netcfg.WatchRoutes); Restore puts a removed one back
	// (netcfg.RestoreRoute). With a replaced Apply, a nil Watch means
	// none: there is no real route to watch.
	Watch   func(a *netcfg.Applied, onChange func(netcfg.Change), logf netcfg.Logf) (stop func(), err error)
	Restore func(r netcfg.AppliedRoute, logf netcfg.Logf) error
	// RestoreDNS sets the recorded DNS again (netcfg.RestoreDNS).
	RestoreDNS func(a *netcfg.Applied, logf netcfg.Logf) error
}

// Config configures a Manager.
type Config struct {
	// StateDir keeps one file per tunnel recording the network changes
	// applied for it, so that Recover can undo them after a crash. Empty
	// disables that (connect --foreground has no later start to recover).
	StateDir string
	// Version is announced to servers (IV_GUI_VER).
	Version string
	// Logf receives diagnostics (the diagnostic log, or the terminal of
	// connect --foreground --verbose); Debugf, if set, packet-level detail.
	// Either may be nil.
	Logf, Debugf logs.Func
	// RequestDebugf receives the packet-level detail of the tunnels whose
	// Request.Debug asks for it, when Debugf is nil (so the user can turn
	// it on for one connection without restarting the service); nil
	// ignores Request.Debug.
	RequestDebugf logs.Func
	// Redact cleans text published as log events (logs.Redactor.Redact);
	// the diagnostic log redacts by itself.
	Redact func(string) string
	// ConnLog records every connection attempt (may be nil).
	ConnLog *logs.ConnLog
	// Guard, if set, is asked before each connection; an error refuses it.
	Guard func(ctx context.Context) error
	// Hooks replace the OS and engine in tests.
	Hooks Hooks
	// StatsInterval is how often Stats events are published for connected
	// tunnels; 0 means one second.
	StatsInterval time.Duration
}

// Manager owns the running tunnels.
type Manager struct {
	cfg Config
	bus *Bus

	// netMu serializes conflict checks with the changes they check, so
	// two tunnels configuring at once cannot both pass.
	netMu sync.Mutex

	mu      sync.Mutex
	tunnels map[string]*Tunnel // a nil value reserves a name being connected
	closed  bool
}

// NewManager returns a manager with no tunnels. Call Recover once before
// the first Connect when Config.StateDir is set.
func NewManager(cfg Config) *Manager {
	h := &cfg.Hooks
	if h.CreateDevice == nil {
		h.CreateDevice = createTUN
	}
	if h.Dial == nil {
		h.Dial = func(ctx context.Context, p *profile.Profile, dev openvpn.Device, o openvpn.Options) (Session, error) {
			return openvpn.Dial(ctx, p, dev, o)
		}
	}
	if h.Apply == nil {
		h.Apply = netcfg.Apply
		if h.Watch == nil {
			h.Watch = watchRoutes
		}
	}
	if h.Restore == nil {
		h.Restore = netcfg.RestoreRoute
	}
	if h.RestoreDNS == nil {
		h.RestoreDNS = netcfg.RestoreDNS
	}
	if h.Revert == nil {
		h.Revert = netcfg.Revert
	}
	if cfg.StatsInterval == 0 {
		cfg.StatsInterval = time.Second
	}
	m := &Manager{cfg: cfg, bus: newBus(), tunnels: make(map[string]*Tunnel)}
	m.bus.redact = cfg.Redact
	return m
}

// Publish sends an event of the caller's (the service's notices and
// prompts) to every subscriber.
func (m *Manager) Publish(ev Event) { m.bus.publish(ev) }

// processStart is this package's initialisation, a few milliseconds
// after exec: the base of the connect timing lines.
var processStart = time.Now()

// sinceStart is the time since processStart in milliseconds.
func sinceStart() float64 { return float64(time.Since(processStart).Microseconds()) / 1000 }

func createTUN(name string, mtu int) (openvpn.Device, string, error) {
	dev, err := tun.Create(name, mtu)
	if err != nil {
		return nil, "", err
	}
	n, err := dev.Name()
	if err != nil {
		_ = dev.Close()
		return nil, "", fmt.Errorf("tun device name: %w", err)
	}
	return dev, n, nil
}

// Subscribe returns a channel of every tunnel's events from now on, and a
// function that ends the subscription. A subscriber that falls far behind
// loses events rather than slowing the tunnels (see Bus).
func (m *Manager) Subscribe() (<-chan Event, func()) { return m.bus.Subscribe() }

// Request asks for one tunnel.
type Request struct {
	Profile *profile.Profile
	// Device names the TUN device; empty uses the profile's dev or cvpnN.
	Device string
	// Prompter answers credential prompts; nil fails sessions that need
	// them with openvpn.ErrNoCredentials.
	Prompter openvpn.Prompter
	// NoKeyExport is openvpn.Options.NoKeyExport.
	NoKeyExport bool
	// WebAuth is openvpn.Options.WebAuth: the Prompter's user can open a
	// sign-in page in a browser.
	WebAuth bool
	// Owner is the uid of whoever asked (-1 for unknown), shown in status.
	Owner int
	// EnforceRoutes puts back the tunnel's routes when another program
	// removes them (see routewatch.go); without it they are only
	// reported.
	EnforceRoutes bool
	// NoReconnect is openvpn.Options.NoReconnect: the tunnel ends when its
	// connection drops.
	NoReconnect bool
	// Debug sends this tunnel's packet-level detail to
	// Config.RequestDebugf.
	Debug bool
	// Limit, from 1 to MaxTunnels, lowers how many tunnels may be up at
	// once (the administrator's max_tunnels); reaching it fails with
	// LimitErr. Checked with the slot reservation, so two connects at
	// once cannot both pass.
	Limit    int
	LimitErr error
}

// Connect starts a tunnel for req.Profile and returns once its session is
// running; progress arrives as Events. It refuses a profile that is already
// connected, a sixth tunnel, and (through the guard) a shared machine.
func (m *Manager) Connect(ctx context.Context, req Request) (*Tunnel, error) {
	p := req.Profile
	if p == nil || p.Name == "" {
		return nil, errors.New("connect: the profile has no name")
	}
	if err := m.reserve(p.Name, req.Limit, req.LimitErr); err != nil {
		m.recordRefusal(p, err)
		return nil, fmt.Errorf("connect %s: %w", p.Name, err)
	}
	t, err := m.start(ctx, req)
	if err != nil {
		m.release(p.Name)
		m.recordRefusal(p, err)
		return nil, fmt.Errorf("connect %s: %w", p.Name, err)
	}
	m.mu.Lock()
	m.tunnels[p.Name] = t
	m.mu.Unlock()
	go t.watch()
	return t, nil
}

// reserve claims a slot for name, with a nil placeholder so two concurrent
// Connects of one profile cannot both pass.
func (m *Manager) reserve(name string, limit int, limitErr error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closed:
		return ErrClosed
	case m.tunnels[name] != nil || hasKey(m.tunnels, name):
		return ErrAlreadyUp
	case len(m.tunnels) >= MaxTunnels:
		return fmt.Errorf("%w (connected: %s); disconnect one first", ErrTooMany, joinNames(m.tunnels))
	case limit > 0 && len(m.tunnels) >= limit && limitErr != nil:
		return fmt.Errorf("%w (connected: %s)", limitErr, joinNames(m.tunnels))
	}
	m.tunnels[name] = nil
	return nil
}

func (m *Manager) release(name string) {
	m.mu.Lock()
	delete(m.tunnels, name)
	m.mu.Unlock()
}

func hasKey(t map[string]*Tunnel, k string) bool { _, ok := t[k]; return ok }

func joinNames(t map[string]*Tunnel) string {
	names := make([]string, 0, len(t))
	for n := range t {
		names = append(names, n)
	}
	sort.Strings(names)
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

func (m *Manager) start(ctx context.Context, req Request) (_ *Tunnel, err error) {
	releaseGC := holdGC() // memory.go; until the tunnel is up or fails
	defer func() {
		if err != nil {
			releaseGC()
		}
	}()
	p := req.Profile
	if m.cfg.Guard != nil {
		if err := m.cfg.Guard(ctx); err != nil {
			return nil, err
		}
	}
	if err := m.checkProfileRoutes(p); err != nil {
		return nil, err
	}
	mtu := p.Remotes[0].MTU.TunMTU
	if mtu == 0 {
		mtu = 1500
	}
	name := req.Device
	if name == "" && p.Dev != "" && p.Dev != "tun" && p.Dev != "utun" {
		name = p.Dev
	}
	dev, devName, err := m.cfg.Hooks.CreateDevice(name, mtu)
	if err != nil {
		return nil, err
	}
	t := newTunnel(m, req, devName, mtu)
	t.logf("timing: tun-open %.1f", sinceStart()) // the engine's format, openvpn/timing.go
	opts := openvpn.Options{
		Logf:        t.logf,
		Prompter:    req.Prompter,
		Configure:   t.configure,
		Version:     m.cfg.Version,
		NoKeyExport: req.NoKeyExport,
		WebAuth:     req.WebAuth,
		NoReconnect: req.NoReconnect,
	}
	t.debug = m.cfg.Debugf
	if t.debug == nil && req.Debug && m.cfg.RequestDebugf != nil {
		t.debug = m.cfg.RequestDebugf
		t.logf("debug logging on for this connection, as asked")
	}
	if t.debug != nil {
		opts.Debugf = t.debugf
	}
	// The session outlives the request that started it.
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s, err := m.cfg.Hooks.Dial(sctx, p, dev, opts)
	if err != nil {
		cancel()
		_ = dev.Close()
		return nil, err
	}
	t.sess, t.cancel, t.releaseGC = s, cancel, releaseGC
	return t, nil
}

// running returns the tunnels past their start, except the one named
// except.
func (m *Manager) running(except string) []*Tunnel {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Tunnel, 0, len(m.tunnels))
	for n, t := range m.tunnels {
		if t != nil && n != except {
			out = append(out, t)
		}
	}
	return out
}

// Get returns the tunnel for a profile name.
func (m *Manager) Get(name string) (*Tunnel, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tunnels[name]
	return t, t != nil
}

// List returns the status of every tunnel, sorted by name.
func (m *Manager) List() []Status {
	ts := m.running("")
	out := make([]Status, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.Status())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Profile < out[j].Profile })
	return out
}

// Disconnect says goodbye to the server of the named tunnel, undoes its
// network configuration and returns when that is done (or ctx ends).
func (m *Manager) Disconnect(ctx context.Context, name string) error {
	t, ok := m.Get(name)
	if !ok {
		return fmt.Errorf("disconnect %s: %w", name, ErrNotConnected)
	}
	return t.Disconnect(ctx, "")
}

// DisconnectAll disconnects every tunnel, giving reason (if any) as the
// cause in their events and connection records.
func (m *Manager) DisconnectAll(ctx context.Context, reason string) error {
	var err error
	if reason != "" {
		err = errors.New(reason)
	}
	return m.disconnectAll(ctx, err)
}

// disconnectAll is DisconnectAll with the cause as an error.
func (m *Manager) disconnectAll(ctx context.Context, reason error) error {
	ts := m.running("")
	var wg sync.WaitGroup
	errs := make([]error, len(ts))
	for i, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = t.disconnect(ctx, reason)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close refuses new tunnels and disconnects the running ones.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	err := m.disconnectAll(ctx, ErrStopping)
	m.bus.Close()
	return err
}

// Count returns how many tunnels exist (in any state).
func (m *Manager) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tunnels)
}

func (m *Manager) remove(t *Tunnel) {
	m.mu.Lock()
	if m.tunnels[t.name] == t {
		delete(m.tunnels, t.name)
	}
	m.mu.Unlock()
}

// recordRefusal writes a connection log line for an attempt refused
// before it reached the network (a second user, a route conflict, a busy
// name): those are attempts too, and the log is where support looks.
func (m *Manager) recordRefusal(p *profile.Profile, err error) {
	if errors.Is(err, context.Canceled) {
		// Nobody refused it: the caller went away (closed its connection
		// to the service) before the tunnel started.
		err = fmt.Errorf("abandoned: the caller went away before the tunnel started (%w)", err)
		m.logf("%s: connect %v", p.Name, err)
	} else {
		m.logf("%s: connect refused: %v", p.Name, err)
	}
	if m.cfg.ConnLog == nil {
		return
	}
	rec := logs.ConnectionRecord{Profile: p.Name, AuthMode: authMode(p), Result: logs.ResultFailed, Error: err.Error()}
	if len(p.Remotes) > 0 {
		r := p.Remotes[0]
		rec.Endpoint = net.JoinHostPort(r.Host, strconv.Itoa(r.Port))
		rec.Transport = r.Proto.String()
	}
	if werr := m.cfg.ConnLog.Write(rec); werr != nil {
		m.logf("write connection log: %v", werr)
	}
}

func (m *Manager) logf(format string, args ...any) {
	if m.cfg.Logf != nil {
		m.cfg.Logf(format, args...)
	}
}
