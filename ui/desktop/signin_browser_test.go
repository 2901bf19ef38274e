package desktop

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

// fakeClock is the time of both the Model and the window in the sign-in
// tests, so the SAML wait's time left is read against the deadline the
// Model set, and moves only when the test says.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// AfterFunc runs on real time: nothing these tests wait for is timed by
// the Model.
func (c *fakeClock) AfterFunc(d time.Duration, f func()) viewmodel.Timer {
	return time.AfterFunc(d, f)
}

const signInTimeout = 5 * time.Minute

// startSignIn is start with one clock for the Model and the window.
func startSignIn(t *testing.T, entries ...profile.Entry) (*harness, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)}
	h := &harness{t: t, b: viewmodeltest.New(entries...), queue: make(chan func(), 64), now: clock.now}
	app := test.NewTempApp(t)
	o := Options{Do: func(f func()) { h.queue <- f }, Now: clock.Now,
		ChooseFile: func(fyne.Window, func(string)) {}}
	h.m = viewmodel.New(h.b, viewmodel.Options{Clock: clock, SignInTimeout: signInTimeout})
	h.w = New(app, h.m, o)
	h.m.Start()
	t.Cleanup(func() {
		h.w.Close()
		h.m.Close()
	})
	return h, clock
}

const signInURL = "http://127.0.0.1:35001/start?id=7"

// waitsInBrowser plays a connect whose sign-in happens in the browser: it
// says where, then waits until it is stopped.
func waitsInBrowser(kind api.PromptKind) viewmodeltest.ConnectFunc {
	return func(ctx context.Context, _ *viewmodeltest.Backend, req viewmodel.ConnectRequest) (*api.Status, error) {
		req.Ask.SignInAt(&api.Prompt{ID: "saml-1", Kind: kind}, signInURL)
		<-ctx.Done()
		return nil, context.Cause(ctx)
	}
}

// The SAML wait: its words, the time left moving with the clock at each
// once-a-second redraw, the page opened again, the link copied, and
// Cancel declining the prompt and stopping the connect.
func TestSignInBrowserWait(t *testing.T) {
	h, clock := startSignIn(t, viewmodeltest.Entry("corp", false))
	h.b.SetConnect(waitsInBrowser(api.PromptSAML))
	h.m.Connect("corp")
	h.waitDialog("Continue in your browser")
	d := h.w.signIn
	if got := d.timeLeft.Text; got != "5m 0s left" || !d.timeLeft.Visible() {
		t.Errorf("time left %q (shown %v), want 5m 0s left", got, d.timeLeft.Visible())
	}
	if h.w.tick == nil {
		t.Error("no once-a-second redraw armed while the time left counts")
	}
	words := texts(h.overlay())
	for _, want := range []string{i18n.T("signin.saml.body"), "Open the browser again", "Cancel"} {
		if !contains(words, want) {
			t.Errorf("no %q in the wait %q", want, words)
		}
	}

	clock.advance(61 * time.Second)
	h.w.refresh() // what the tick does
	if got := d.timeLeft.Text; got != "3m 59s left" {
		t.Errorf("after 61s the time left reads %q", got)
	}
	clock.advance(time.Hour)
	h.w.refresh()
	if got := d.timeLeft.Text; got != "0m 0s left" {
		t.Errorf("past the deadline the time left reads %q", got)
	}

	h.tapButton(h.overlay(), "Open the browser again")
	if calls := h.b.Calls(); !slices.Contains(calls, "open "+signInURL) {
		t.Errorf("open again: backend calls %q", calls)
	}
	h.tapButton(h.overlay(), "Copy the link")
	if got := fyne.CurrentApp().Clipboard().Content(); got != signInURL {
		t.Errorf("the clipboard holds %q", got)
	}
	if !contains(texts(h.overlay()), i18n.T("signin.saml.link_copied")) {
		t.Errorf("the copy is not confirmed: %q", texts(h.overlay()))
	}

	h.tapButton(h.overlay(), "Cancel")
	h.waitNoDialog()
	h.waitFor("the connect stopped", func() bool { return !h.m.View().Rows[0].Busy() })
	decline := fmt.Sprintf("decline saml-1 %s", api.ReasonCanceled)
	h.waitFor("the prompt declined", func() bool { return slices.Contains(h.b.Calls(), decline) })
}

// A web-auth wait has no deadline of ours: no time left, and nothing
// redraws by itself. It closes when the sign-in ends without it (the
// connect stopped from the main window).
func TestSignInWebAuthWait(t *testing.T) {
	h, _ := startSignIn(t, viewmodeltest.Entry("corp", false))
	h.b.SetConnect(waitsInBrowser(api.PromptWebAuth))
	h.m.Connect("corp")
	h.waitDialog(i18n.T("signin.webauth.body"))
	if h.w.signIn.timeLeft.Visible() {
		t.Errorf("a web-auth wait shows a time left: %q", h.w.signIn.timeLeft.Text)
	}
	if h.w.tick != nil {
		t.Error("a web-auth wait armed a redraw")
	}
	h.tapButton(h.overlay(), "Open the browser again")
	if calls := h.b.Calls(); !slices.Contains(calls, "open "+signInURL) {
		t.Errorf("open again: backend calls %q", calls)
	}
	h.m.Cancel("corp")
	h.waitNoDialog()
}

// The Japanese wait's words come from ja.json.
func TestSignInBrowserWaitJapanese(t *testing.T) {
	if err := i18n.SetLanguage(i18n.Japanese); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = i18n.SetLanguage("") })
	h, _ := startSignIn(t, viewmodeltest.Entry("corp", false))
	h.b.SetConnect(waitsInBrowser(api.PromptSAML))
	h.m.Connect("corp")
	h.waitDialog("ブラウザーで続行してください")
	words := texts(h.overlay())
	for _, want := range []string{"ブラウザーをもう一度開く", "キャンセル", "残り 5分0秒"} {
		if !contains(words, want) {
			t.Errorf("no %q in the Japanese wait %q", want, words)
		}
	}
	h.tapButton(h.overlay(), "キャンセル")
	h.waitNoDialog()
}
