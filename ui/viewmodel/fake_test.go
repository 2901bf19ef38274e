package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
)

// TestMain fails the package when a test leaves goroutines running: the
// Model starts one per connect and one for the events, which Close ends.
func TestMain(m *testing.M) { os.Exit(testenv.MainNoLeaks(m)) }

// fakeBackend is the service and the store as a test plays them: a
// connect runs the test's script, which asks through req.Ask and emits
// events, like usersession.Connect would.
type fakeBackend struct {
	events chan *api.Event // what the event stream delivers

	mu          sync.Mutex
	entries     []profile.Entry
	script      func(ctx context.Context, f *fakeBackend, req ConnectRequest) (*api.Status, error)
	down        bool // Events fails as when no service listens
	calls       []string
	answers     []api.AnswerBody
	disconnects []string
	opened      []string
	streams     int
	logs        string // what Logs reads
}

func newFake(entries ...profile.Entry) *fakeBackend {
	return &fakeBackend{events: make(chan *api.Event, 4096), entries: entries}
}

var _ Backend = (*fakeBackend)(nil)

// errNotRunning is what service/client returns with no service.
var errNotRunning = fmt.Errorf("%w at /run/cvpn/cvpn.sock: start it with 'sudo systemctl start cvpn'", client.ErrNotRunning)

func (f *fakeBackend) record(call string) {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
}

func (f *fakeBackend) Profiles() ([]profile.Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]profile.Entry(nil), f.entries...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (f *fakeBackend) Import(path, name string) (profile.Entry, error) {
	f.record("import " + path)
	e := entry(name, false)
	f.mu.Lock()
	f.entries = append(f.entries, e)
	f.mu.Unlock()
	return e, nil
}

func (f *fakeBackend) Rename(from, to string) error {
	f.record("rename " + from)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.entries {
		if f.entries[i].Name == from {
			f.entries[i].Name = to
			return nil
		}
	}
	return profile.ErrNotFound
}

func (f *fakeBackend) Remove(name string) error {
	f.record("remove " + name)
	return nil
}

func (f *fakeBackend) Check(path string) ([]profile.Problem, error) {
	return []profile.Problem{{File: path, Line: 3, Severity: profile.SeverityError, Message: "unknown directive"}}, nil
}

func (f *fakeBackend) Connect(ctx context.Context, req ConnectRequest) (*api.Status, error) {
	f.record("connect " + req.Name)
	f.mu.Lock()
	script := f.script
	f.mu.Unlock()
	if script == nil {
		return nil, errors.New("no script")
	}
	return script(ctx, f, req)
}

func (f *fakeBackend) Disconnect(_ context.Context, name string) error {
	f.mu.Lock()
	f.disconnects = append(f.disconnects, name)
	f.mu.Unlock()
	f.emit(&api.Event{Kind: api.EventState, Tunnel: name, State: api.StateDisconnected, Message: "disconnected"})
	return nil
}

func (f *fakeBackend) Answer(_ context.Context, a api.AnswerBody) error {
	f.mu.Lock()
	f.answers = append(f.answers, a)
	f.mu.Unlock()
	return nil
}

func (f *fakeBackend) Events(ctx context.Context) (EventStream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errNotRunning
	}
	f.streams++
	return &fakeStream{ctx: ctx, events: f.events}, nil
}

func (f *fakeBackend) OpenBrowser(url string) error {
	f.mu.Lock()
	f.opened = append(f.opened, url)
	f.mu.Unlock()
	return nil
}

func (f *fakeBackend) emit(ev *api.Event) { f.events <- ev }

func (f *fakeBackend) setDown(down bool) {
	f.mu.Lock()
	f.down = down
	f.mu.Unlock()
}

func (f *fakeBackend) setScript(s func(ctx context.Context, f *fakeBackend, req ConnectRequest) (*api.Status, error)) {
	f.mu.Lock()
	f.script = s
	f.mu.Unlock()
}

// snapshot returns copies of what was recorded.
func (f *fakeBackend) snapshot() (calls []string, answers []api.AnswerBody, disconnects, opened []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(calls, f.calls...), append(answers, f.answers...), append(disconnects, f.disconnects...), append(opened, f.opened...)
}

// fakeStream ends with its context, like the client's HTTP stream; a nil
// event ends it as a stopping service does.
type fakeStream struct {
	ctx    context.Context
	events chan *api.Event
}

func (s *fakeStream) Next() (*api.Event, error) {
	select {
	case ev := <-s.events:
		if ev == nil {
			return nil, errors.New("EOF")
		}
		return ev, nil
	case <-s.ctx.Done():
		return nil, s.ctx.Err()
	}
}

func (s *fakeStream) Close() error { return nil }

func entry(name string, managed bool) profile.Entry {
	return profile.Entry{Name: name, Managed: managed, Auth: profile.AuthUserPass,
		Remotes: []profile.RemoteSummary{{Host: "vpn.example.com", Port: 1194, Proto: "udp"}}}
}

// fakeClock is a virtual clock: timers fire on Advance only.
type fakeClock struct {
	added  chan struct{} // a timer was set
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c       *fakeClock
	at      time.Time
	f       func()
	stopped bool
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), added: make(chan struct{}, 1)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	select {
	case c.added <- struct{}{}:
	default:
	}
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// Advance moves the clock and runs the timers that came due, in order.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	kept := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.stopped = true
			due = append(due, t.f)
		default:
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}

// waitTimers waits until n timers are pending.
func (c *fakeClock) waitTimers(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for c.pending() != n {
		select {
		case <-c.added:
		case <-timeout:
			t.Fatalf("%d timers pending, want %d", c.pending(), n)
		}
	}
}

// pending counts timers not yet fired.
func (c *fakeClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// harness is a started Model over a fake, with a way to wait for a View.
type harness struct {
	t       *testing.T
	m       *Model
	clock   *fakeClock
	changes chan struct{}
}

func start(t *testing.T, b Backend) *harness {
	t.Helper()
	h := &harness{t: t, clock: newClock(), changes: make(chan struct{}, 1)}
	h.m = New(b, Options{Clock: h.clock})
	h.m.OnChange(func() {
		select {
		case h.changes <- struct{}{}:
		default:
		}
	})
	h.m.Start()
	t.Cleanup(h.m.Close)
	return h
}

// waitFor waits, on change notifications, until cond holds of the View.
func (h *harness) waitFor(what string, cond func(View) bool) View {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		v := h.m.View()
		if cond(v) {
			return v
		}
		select {
		case <-h.changes:
		case <-timeout:
			h.t.Fatalf("timed out waiting for %s; view: %+v", what, v)
		}
	}
}

func row(v View, name string) Row {
	for _, r := range v.Rows {
		if r.Name == name {
			return r
		}
	}
	return Row{}
}

// Logs serves f.logs as the tail; follow is not played here (the
// views' fake does).
func (f *fakeBackend) Logs(_ context.Context, file LogFile, _ int, _ bool) (io.ReadCloser, error) {
	f.record(fmt.Sprintf("logs %d", file))
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errNotRunning
	}
	return io.NopCloser(strings.NewReader(f.logs)), nil
}

// ExportDiagnostics records the path; with the service down it fails.
func (f *fakeBackend) ExportDiagnostics(_ context.Context, path string) error {
	f.record("export " + path)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errNotRunning
	}
	return nil
}
