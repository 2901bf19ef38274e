package desktop

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

// TestMain fails the package when a test leaves goroutines running: the
// Model's, and the window's once-a-second timer, end with Close.
func TestMain(m *testing.M) { os.Exit(testenv.MainNoLeaks(m)) }

// harness is a real Model over the fake backend, drawn by a real Window
// on Fyne's headless test driver. The window's redraws are queued, and the
// test's goroutine runs them while it waits, as Fyne's event loop would:
// widgets are only ever touched by one goroutine.
type harness struct {
	t      *testing.T
	b      *viewmodeltest.Backend
	m      *viewmodel.Model
	w      *Window
	queue  chan func()
	now    time.Time
	chosen string // what the stub file chooser picks
}

func start(t *testing.T, entries ...profile.Entry) *harness {
	return startWith(t, Options{}, entries...)
}

// startWith starts a harness; o's Do and Now are the harness's, and a nil
// ChooseFile becomes a stub that picks h.chosen.
func startWith(t *testing.T, o Options, entries ...profile.Entry) *harness {
	t.Helper()
	return startBackend(t, o, viewmodeltest.New(entries...))
}

// startBackend is startWith over a fake the test set up first.
func startBackend(t *testing.T, o Options, b *viewmodeltest.Backend) *harness {
	t.Helper()
	h := &harness{t: t, b: b, queue: make(chan func(), 64),
		now: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)}
	app := test.NewTempApp(t)
	o.Do = func(f func()) { h.queue <- f }
	o.Now = func() time.Time { return h.now }
	if o.ChooseFile == nil {
		o.ChooseFile = func(_ fyne.Window, done func(string)) { done(h.chosen) }
	}
	h.m = viewmodel.New(h.b, viewmodel.Options{})
	h.w = New(app, h.m, o)
	h.m.Start()
	t.Cleanup(func() {
		h.w.Close()
		h.m.Close()
	})
	return h
}

// waitFor runs the queued redraws until cond holds of the window.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	runQueued(h.t, h.queue, what, cond, func() string {
		return fmt.Sprintf("the window shows %q", texts(h.w.win.Canvas().Content()))
	})
}

// runQueued runs the redraws queued on queue, as Fyne's event loop would,
// until cond holds; after 5 s it fails t, saying what was awaited and,
// from shown, what the view shows instead.
func runQueued(t *testing.T, queue <-chan func(), what string, cond func() bool, shown func() string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		for drained := false; !drained; {
			select {
			case f := <-queue:
				f()
			default:
				drained = true
			}
		}
		if cond() {
			return
		}
		select {
		case f := <-queue:
			f()
		case <-timeout:
			t.Fatalf("timed out waiting for %s; %s", what, shown())
		}
	}
}

// value is the text of the details pane's row with the caption key.
func (h *harness) value(key string) string { return h.w.details.values[key].Text }

// waitValue waits until the details row key reads want.
func (h *harness) waitValue(key, want string) {
	h.t.Helper()
	h.waitFor(key+" = "+want, func() bool { return h.value(key) == want })
}

// rowTexts are the words of the list's row for name, as drawn.
func (h *harness) rowTexts(name string) []string {
	for _, o := range visible(h.w.list.list) {
		if item, ok := o.(*rowItem); ok && item.name.Text == name {
			return texts(item)
		}
	}
	return nil
}

// overlay is the dialog on top of the window, failing when there is none.
func (h *harness) overlay() fyne.CanvasObject {
	h.t.Helper()
	top := h.w.win.Canvas().Overlays().Top()
	if top == nil {
		h.t.Fatal("no dialog is shown")
	}
	return top
}

// tapButton taps the visible button with text under o.
func (h *harness) tapButton(o fyne.CanvasObject, text string) {
	h.t.Helper()
	for _, c := range visible(o) {
		if b, ok := c.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	h.t.Fatalf("no button %q in %q", text, texts(o))
}

// visible is o and every object drawn inside it, widgets' parts included,
// skipping what is hidden.
func visible(o fyne.CanvasObject) []fyne.CanvasObject {
	if o == nil || !o.Visible() {
		return nil
	}
	out := []fyne.CanvasObject{o}
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			out = append(out, visible(c)...)
		}
	case *widget.Label, *widget.Button:
		// their parts are their text, read from the widget itself
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			out = append(out, visible(c)...)
		}
	}
	return out
}

// texts are the words of the visible labels and buttons under o.
func texts(o fyne.CanvasObject) []string {
	var out []string
	for _, c := range visible(o) {
		switch x := c.(type) {
		case *widget.Label:
			out = append(out, x.Text)
		case *widget.Button:
			out = append(out, x.Text)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// containsPart reports whether one of list contains part.
func containsPart(list []string, part string) bool {
	for _, x := range list {
		if strings.Contains(x, part) {
			return true
		}
	}
	return false
}
