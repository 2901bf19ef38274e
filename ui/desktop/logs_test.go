package desktop

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

// logsHarness is the Logs window over the fake backend. Its clock moves
// only when the test says, and the window's batches are queued and run on
// the test's goroutine, as Fyne's event loop would.
type logsHarness struct {
	t      *testing.T
	b      *viewmodeltest.Backend
	l      *Logs
	clock  *stepClock
	queue  chan func()
	draws  int    // batches and export results run
	saveTo string // what the stub save dialog picks
}

func startLogs(t *testing.T, o LogsOptions, setup func(b *viewmodeltest.Backend)) *logsHarness {
	t.Helper()
	h := &logsHarness{t: t, b: viewmodeltest.New(), clock: newStepClock(), queue: make(chan func(), 64),
		saveTo: filepath.Join(t.TempDir(), "diag.zip")}
	if setup != nil {
		setup(h.b)
	}
	app := test.NewTempApp(t)
	m := viewmodel.New(h.b, viewmodel.Options{})
	o.Do = func(f func()) { h.queue <- f }
	o.Clock = h.clock
	o.ChooseSave = func(_ fyne.Window, done func(string)) { done(h.saveTo) }
	h.l = NewLogs(app, m, o)
	h.l.Show()
	t.Cleanup(func() {
		h.l.Close()
		m.Close()
	})
	return h
}

// drain runs the queued redraws.
func (h *logsHarness) drain() {
	for {
		select {
		case f := <-h.queue:
			h.draws++
			f()
		default:
			return
		}
	}
}

// waitFor runs redraws, and fires the batch timer whenever one is set,
// until cond holds.
func (h *logsHarness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		h.drain()
		if cond() {
			return
		}
		if h.clock.pending() > 0 {
			h.clock.Advance(viewmodel.MinInterval)
			continue
		}
		select {
		case <-h.clock.added:
		case <-h.b.FollowChanges():
		case f := <-h.queue:
			h.draws++
			f()
		case <-timeout:
			h.t.Fatalf("timed out waiting for %s; shown %q, window %q", what, h.l.shown, texts(h.l.win.Canvas().Content()))
		}
	}
}

// waitTimer waits, without firing it, until a batch timer is set.
func (h *logsHarness) waitTimer() {
	h.t.Helper()
	timeout := time.After(5 * time.Second)
	for h.clock.pending() == 0 {
		select {
		case <-h.clock.added:
		case <-timeout:
			h.t.Fatal("no batch timer was set")
		}
	}
}

func (h *logsHarness) shows(lines ...string) func() bool {
	return func() bool { return fmt.Sprint(h.l.shown) == fmt.Sprint(lines) }
}

// stepClock is a virtual clock: timers fire on Advance only.
type stepClock struct {
	added  chan struct{} // a timer was set
	mu     sync.Mutex
	now    time.Time
	timers []*stepTimer
}

type stepTimer struct {
	c       *stepClock
	at      time.Time
	f       func()
	stopped bool
}

func newStepClock() *stepClock {
	return &stepClock{now: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC), added: make(chan struct{}, 1)}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) AfterFunc(d time.Duration, f func()) viewmodel.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &stepTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	select {
	case c.added <- struct{}{}:
	default:
	}
	return t
}

func (t *stepTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// Advance moves the clock and runs the timers that came due.
func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	for _, t := range c.timers {
		if !t.stopped && !t.at.After(c.now) {
			t.stopped = true
			due = append(due, t.f)
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}

func (c *stepClock) pending() int {
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

// The connection log's lines appear; "no lines" shows until they do.
func TestLogsShowsLines(t *testing.T) {
	h := startLogs(t, LogsOptions{}, func(b *viewmodeltest.Backend) {
		b.AppendLog(viewmodel.LogConnections, "corp: connecting", "corp: connected 10.8.0.2")
		b.AppendLog(viewmodel.LogDiagnostic, "service: started")
	})
	if !h.l.empty.Visible() {
		t.Error("the empty note is hidden before any line arrived")
	}
	h.waitFor("the lines", h.shows("corp: connecting", "corp: connected 10.8.0.2"))
	if h.l.empty.Visible() {
		t.Error("the empty note shows next to lines")
	}
	if got := texts(h.l.win.Canvas().Content()); !contains(got, "corp: connected 10.8.0.2") {
		t.Errorf("the list draws %q", got)
	}

	h.l.file.SetSelectedIndex(1)
	h.waitFor("the diagnostic log", h.shows("service: started"))
}

// The filter keeps the lines that contain it, whatever the case, and
// clearing it shows them all again.
func TestLogsFilter(t *testing.T) {
	h := startLogs(t, LogsOptions{}, func(b *viewmodeltest.Backend) {
		b.AppendLog(viewmodel.LogConnections, "Connected to vpn", "TLS handshake", "connection reset")
	})
	h.waitFor("the lines", h.shows("Connected to vpn", "TLS handshake", "connection reset"))
	test.Type(h.l.filter, "CONN")
	h.waitFor("the filtered lines", h.shows("Connected to vpn", "connection reset"))
	h.l.filter.SetText("nothing like it")
	h.waitFor("no lines", h.shows())
	if !h.l.empty.Visible() {
		t.Error("a filter that matches nothing leaves no note")
	}
	h.l.filter.SetText("")
	h.waitFor("all lines", h.shows("Connected to vpn", "TLS handshake", "connection reset"))
}

// New lines of a followed log arrive in one batch a second at most: a
// burst is one redraw, and a line after it waits for the second to end.
func TestLogsFollowBatched(t *testing.T) {
	h := startLogs(t, LogsOptions{}, nil)
	h.waitFor("the stream", func() bool { return h.b.Following(viewmodel.LogConnections) == 1 })
	burst := make([]string, 100)
	for i := range burst {
		burst[i] = fmt.Sprintf("line %d", i+1)
	}
	h.b.AppendLog(viewmodel.LogConnections, burst...)
	h.waitTimer()
	h.l.mu.Lock()
	read := len(h.l.pending)
	h.l.mu.Unlock()
	if read != 100 || h.clock.pending() != 1 {
		t.Fatalf("%d batch timers for a burst of %d lines, want 1 for 100", h.clock.pending(), read)
	}
	before := h.draws
	h.clock.Advance(0) // the first batch after a quiet second is due at once
	h.drain()
	if h.draws-before != 1 || len(h.l.shown) != 100 {
		t.Fatalf("%d redraws showed %d lines, want 1 and 100", h.draws-before, len(h.l.shown))
	}

	h.b.AppendLog(viewmodel.LogConnections, "late line")
	h.waitTimer()
	h.clock.Advance(viewmodel.MinInterval / 2)
	h.drain()
	if len(h.l.shown) != 100 {
		t.Fatal("a line was drawn within a second of the last batch")
	}
	h.clock.Advance(viewmodel.MinInterval / 2)
	h.drain()
	if last := h.l.shown[len(h.l.shown)-1]; last != "late line" {
		t.Fatalf("the last line is %q after a second", last)
	}
}

// The window keeps the last MaxLines lines, of the tail and of what
// follows alike.
func TestLogsMemoryBound(t *testing.T) {
	h := startLogs(t, LogsOptions{MaxLines: 10}, func(b *viewmodeltest.Backend) {
		for i := 1; i <= 25; i++ {
			b.AppendLog(viewmodel.LogConnections, fmt.Sprintf("line %d", i))
		}
	})
	h.waitFor("the tail", func() bool { return len(h.l.shown) == 10 && h.l.shown[9] == "line 25" })
	h.waitFor("the stream", func() bool { return h.b.Following(viewmodel.LogConnections) == 1 })
	for i := 26; i <= 40; i++ {
		h.b.AppendLog(viewmodel.LogConnections, fmt.Sprintf("line %d", i))
	}
	h.waitFor("the new lines", func() bool { return len(h.l.lines) > 0 && h.l.lines[len(h.l.lines)-1] == "line 40" })
	if len(h.l.lines) != 10 || h.l.lines[0] != "line 31" {
		t.Errorf("kept %d lines from %q, want 10 from line 31", len(h.l.lines), h.l.lines[0])
	}
}
