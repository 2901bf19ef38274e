package desktop

import (
	"context"
	"encoding/xml"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

// trayHarness is a real Model over the fake backend with a Tray, without
// a window: the Tray is the Model's listener, and the test's goroutine
// runs its queued refreshes, as Fyne's event loop would.
type trayHarness struct {
	t           *testing.T
	b           *viewmodeltest.Backend
	m           *viewmodel.Model
	tray        *Tray
	queue       chan func()
	shown, quit int
}

func startTray(t *testing.T, entries ...profile.Entry) *trayHarness {
	t.Helper()
	h := &trayHarness{t: t, b: viewmodeltest.New(entries...), queue: make(chan func(), 64)}
	h.m = viewmodel.New(h.b, viewmodel.Options{})
	h.tray = NewTray(h.m, func() { h.shown++ }, func() { h.quit++ },
		TrayOptions{Do: func(f func()) { h.queue <- f }})
	h.m.OnChange(h.tray.Changed)
	h.m.Start()
	t.Cleanup(h.m.Close)
	return h
}

// waitFor runs the queued refreshes until cond holds.
func (h *trayHarness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	runQueued(h.t, h.queue, what, cond, func() string { return fmt.Sprintf("the tray menu reads %q", h.labels()) })
}

// labels are the menu's items, "-" for a separator, "(off)" after a
// disabled one.
func (h *trayHarness) labels() []string {
	var out []string
	for _, it := range h.tray.Menu().Items {
		switch {
		case it.IsSeparator:
			out = append(out, "-")
		case it.Disabled:
			out = append(out, it.Label+" (off)")
		default:
			out = append(out, it.Label)
		}
	}
	return out
}

// choose activates the menu item labelled label, as a click in the tray.
func (h *trayHarness) choose(label string) {
	h.t.Helper()
	for _, it := range h.tray.Menu().Items {
		if it.Label == label && !it.IsSeparator {
			if it.Disabled {
				h.t.Fatalf("%q is disabled", label)
			}
			it.Action()
			return
		}
	}
	h.t.Fatalf("no item %q in %q", label, h.labels())
}

func (h *trayHarness) waitCall(call string) {
	h.t.Helper()
	h.waitFor("the backend to hear "+call, func() bool { return slices.Contains(h.b.Calls(), call) })
}

// hangs is a connect that stays connecting until the Model gives up; then,
// as the service does, the stream tells that the tunnel ended (the Model
// may read the two events after the connect has returned).
func hangs(ctx context.Context, b *viewmodeltest.Backend, req viewmodel.ConnectRequest) (*api.Status, error) {
	b.Emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateConnecting})
	<-ctx.Done()
	b.Emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateDisconnected, Reason: api.ReasonCanceled})
	return nil, context.Cause(ctx)
}

// Each profile, managed ones too, has the item its state calls for, in
// both languages; "Open" and "Quit" end the menu, Quit last.
func TestTrayMenuLabels(t *testing.T) {
	h := startTray(t, viewmodeltest.Entry("corp", true), viewmodeltest.Entry("home", false),
		viewmodeltest.Entry("lab", false))
	h.waitFor("the profiles", func() bool { return len(h.tray.Menu().Items) > 3 })
	h.b.SetConnect(func(ctx context.Context, b *viewmodeltest.Backend, req viewmodel.ConnectRequest) (*api.Status, error) {
		if req.Name == "lab" {
			return hangs(ctx, b, req)
		}
		return connectsTo(api.Status{IPv4: "10.8.0.2"}, time.Now())(ctx, b, req)
	})
	h.m.Connect("home")
	h.m.Connect("lab")
	h.waitFor("home up, lab connecting", func() bool {
		return slices.Contains(h.labels(), "Stop connecting lab") &&
			slices.Contains(h.labels(), "Disconnect home")
	})

	for _, c := range []struct {
		lang string
		want []string
	}{
		{i18n.English, []string{"Connect corp", "Disconnect home", "Stop connecting lab", "-", "Open cvpn", "-", "Quit cvpn"}},
		{i18n.Japanese, []string{"corp に接続", "home を切断", "lab の接続を中止", "-", "cvpn を開く", "-", "cvpn を終了"}},
	} {
		if err := i18n.SetLanguage(c.lang); err != nil {
			t.Fatal(err)
		}
		h.tray.Refresh()
		if got := h.labels(); !slices.Equal(got, c.want) {
			t.Errorf("%s: menu %q, want %q", c.lang, got, c.want)
		}
		items := h.tray.Menu().Items
		if last := items[len(items)-1]; !last.IsQuit {
			t.Errorf("%s: the last item %q is not marked IsQuit: Fyne would add its own Quit", c.lang, last.Label)
		}
	}
	if err := i18n.SetLanguage(""); err != nil {
		t.Fatal(err)
	}
}

// With no profiles the menu still opens the window and quits.
func TestTrayMenuWithoutProfiles(t *testing.T) {
	h := startTray(t)
	h.waitFor("the menu", func() bool { return h.tray.Menu() != nil })
	if got, want := h.labels(), []string{"Open cvpn", "-", "Quit cvpn"}; !slices.Equal(got, want) {
		t.Errorf("menu %q, want %q", got, want)
	}
}

// A broken profile cannot be connected from the tray either.
func TestTrayMenuDisablesBrokenProfile(t *testing.T) {
	bad := viewmodeltest.Entry("bad", false)
	bad.Problem = "no remote"
	h := startTray(t, bad)
	h.waitFor("the profile", func() bool { return slices.Contains(h.labels(), "Connect bad (off)") })
}

// Choosing an item does what it says: the backend hears the connect and
// the disconnect, Open shows the window, Quit quits and disconnects
// nothing (the service keeps the tunnels).
func TestTrayItemsAct(t *testing.T) {
	h := startTray(t, viewmodeltest.Entry("corp", true))
	h.b.SetConnect(connectsTo(api.Status{IPv4: "10.8.0.2"}, time.Now()))
	h.waitFor("corp", func() bool { return slices.Contains(h.labels(), "Connect corp") })

	h.choose("Connect corp")
	h.waitCall("connect corp")
	h.waitFor("Disconnect corp", func() bool { return slices.Contains(h.labels(), "Disconnect corp") })

	h.choose("Open cvpn")
	if h.shown != 1 || h.quit != 0 {
		t.Errorf("after Open: shown %d, quit %d", h.shown, h.quit)
	}
	calls := h.b.Calls()
	h.choose("Quit cvpn")
	if h.quit != 1 || !slices.Equal(h.b.Calls(), calls) {
		t.Errorf("after Quit: quit %d, calls %q (were %q)", h.quit, h.b.Calls(), calls)
	}

	h.choose("Disconnect corp")
	h.waitCall("disconnect corp")
	h.waitFor("Connect corp again", func() bool { return slices.Contains(h.labels(), "Connect corp") })
}

// A connect still coming up is stopped from the tray.
func TestTrayStopsConnecting(t *testing.T) {
	h := startTray(t, viewmodeltest.Entry("lab", false))
	h.b.SetConnect(hangs)
	h.waitFor("lab", func() bool { return slices.Contains(h.labels(), "Connect lab") })
	h.choose("Connect lab")
	h.waitFor("Stop connecting lab", func() bool { return slices.Contains(h.labels(), "Stop connecting lab") })
	h.choose("Stop connecting lab")
	h.waitFor("Connect lab again", func() bool { return slices.Contains(h.labels(), "Connect lab") })
}

// The icon follows the tunnels: disconnected, connecting, connected, and
// disconnected again.
func TestTrayIconFollowsState(t *testing.T) {
	h := startTray(t, viewmodeltest.Entry("corp", false))
	release := make(chan struct{})
	h.b.SetConnect(func(ctx context.Context, b *viewmodeltest.Backend, req viewmodel.ConnectRequest) (*api.Status, error) {
		b.Emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateConnecting})
		select {
		case <-release:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		return connectsTo(api.Status{IPv4: "10.8.0.2"}, time.Now())(ctx, b, req)
	})
	icon := func(want viewmodel.Tray) {
		t.Helper()
		h.waitFor("the "+want.String()+" icon", func() bool { return h.tray.Icon() == trayIcons[want] })
	}
	icon(viewmodel.TrayDisconnected)
	h.m.Connect("corp")
	icon(viewmodel.TrayConnecting)
	close(release)
	icon(viewmodel.TrayConnected)
	h.m.Disconnect("corp")
	icon(viewmodel.TrayDisconnected)
}

// The icons are small, well-formed SVG, one per state, all different.
func TestTrayIconsAreSmallSVG(t *testing.T) {
	seen := map[string]bool{}
	for s, r := range trayIcons {
		c := r.Content()
		if len(c) == 0 || len(c) > 1024 || seen[string(c)] {
			t.Errorf("icon %d: %d bytes, or the same as another", s, len(c))
		}
		seen[string(c)] = true
		var doc struct{ XMLName xml.Name }
		if err := xml.Unmarshal(c, &doc); err != nil || doc.XMLName.Local != "svg" {
			t.Errorf("icon %d (%s): %v, root %q", s, r.Name(), err, doc.XMLName.Local)
		}
	}
}
