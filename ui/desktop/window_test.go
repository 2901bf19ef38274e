package desktop

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

// The views talk to the client side only: they must not link the engine.
func TestNoEngineDependencies(t *testing.T) {
	testenv.CheckNoDeps(t, testenv.EngineFree)
}

// connectsTo plays a connect that comes up at since with status st.
func connectsTo(st api.Status, since time.Time) viewmodeltest.ConnectFunc {
	return func(_ context.Context, b *viewmodeltest.Backend, req viewmodel.ConnectRequest) (*api.Status, error) {
		b.Emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateConnecting})
		up := st
		up.Profile, up.State, up.ConnectedSince = req.Name, api.StateConnected, &since
		b.Emit(&api.Event{Kind: api.EventState, Tunnel: req.Name, State: api.StateConnected, Status: &up})
		return &up, nil
	}
}

// The whole of a user's first session: import a profile, connect with the
// one button, watch the counters and the connected time move, disconnect.
func TestImportConnectWatchDisconnect(t *testing.T) {
	h := start(t)
	h.chosen = "/home/user/Downloads/corp.ovpn"
	h.waitFor("the empty list's hint", func() bool { return h.w.details.empty.Text == i18n.T("main.empty") })

	test.Tap(h.w.list.add)
	h.waitFor("corp listed and selected", func() bool { return h.w.details.title.Text == "corp" })
	if got := h.w.banner.cause.Text; got != "Imported corp" {
		t.Errorf("banner after the import: %q", got)
	}
	h.waitValue("details.endpoint", "vpn.example.com:1194/udp")
	h.waitValue("details.auth_mode", "Username and password")
	if h.w.details.primary.Text != "Connect" || h.w.details.primary.Disabled() {
		t.Fatalf("primary button: %q disabled=%v", h.w.details.primary.Text, h.w.details.primary.Disabled())
	}

	since := h.now
	h.b.SetConnect(connectsTo(api.Status{Remote: "198.18.0.1:443", Proto: "tcp", Cipher: "AES-256-GCM",
		IPv4: "10.8.0.2", AuthMode: "userpass", DNS: "10.8.0.1 for corp.example"}, since))
	test.Tap(h.w.details.primary)
	h.waitValue("details.state", "Connected")
	h.waitFor("the Disconnect button", func() bool { return h.w.details.primary.Text == "Disconnect" })
	for key, want := range map[string]string{
		"details.endpoint": "198.18.0.1:443", "details.transport": "TCP", "details.address": "10.8.0.2",
		"details.cipher": "AES-256-GCM", "details.dns": "10.8.0.1 for corp.example",
		"details.bytes_in": "0 bytes", "details.connected_time": "0m 0s",
	} {
		if got := h.value(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if row := h.rowTexts("corp"); !contains(row, "Connected") {
		t.Errorf("the list's row reads %q", row)
	}

	// Live: each stats event redraws (at most once a second), and the
	// connected time moves by itself once a second.
	for _, c := range []struct {
		in, out         uint64
		wantIn, wantOut string
	}{
		{1536, 300, "1.50 KB", "300 bytes"},
		{5 << 20, 42 << 10, "5.00 MB", "42.0 KB"},
		{3 << 30, 700 << 20, "3.00 GB", "700 MB"},
	} {
		h.b.Emit(&api.Event{Kind: api.EventStats, Tunnel: "corp", Status: &api.Status{Profile: "corp",
			State: api.StateConnected, ConnectedSince: &since, RxBytes: c.in, TxBytes: c.out, IPv4: "10.8.0.2"}})
		h.waitValue("details.bytes_in", c.wantIn)
		h.waitValue("details.bytes_out", c.wantOut)
	}
	h.now = since.Add(time.Hour + 2*time.Minute + 5*time.Second)
	h.waitValue("details.connected_time", "1h 2m 5s")

	test.Tap(h.w.details.primary)
	h.waitValue("details.state", "Disconnected")
	h.waitFor("the Connect button", func() bool { return h.w.details.primary.Text == "Connect" })
	if got := h.value("details.bytes_in"); got != "—" {
		t.Errorf("bytes in after disconnecting: %q", got)
	}
	want := []string{"import /home/user/Downloads/corp.ovpn", "connect corp", "disconnect corp"}
	if got := h.b.Calls(); !slices.Equal(got, want) {
		t.Errorf("backend calls %q, want %q", got, want)
	}
}

// Closing the window hides it, so the tunnels and the tray go on; an app
// without a tray asks for a real close.
func TestCloseHidesUnlessAskedToQuit(t *testing.T) {
	for _, c := range []struct {
		quit       bool
		wantHidden bool
		wantOpen   bool
	}{
		{quit: false, wantHidden: true, wantOpen: true},
		{quit: true, wantHidden: false, wantOpen: false},
	} {
		h := startWith(t, Options{QuitOnClose: c.quit}, viewmodeltest.Entry("corp", false))
		h.w.closeRequested() // what the window manager's close button calls
		open := slices.Contains(fyne.CurrentApp().Driver().AllWindows(), h.w.win)
		if h.w.Hidden() != c.wantHidden || open != c.wantOpen {
			t.Errorf("QuitOnClose=%v: hidden=%v open=%v, want %v %v", c.quit, h.w.Hidden(), open, c.wantHidden, c.wantOpen)
		}
		if h.w.tick != nil {
			t.Errorf("QuitOnClose=%v: a closed window keeps its timer", c.quit)
		}
	}
}

// catalog reads a shipped catalog file, the source of truth for what the
// window must say in that language.
func catalog(t *testing.T, tag string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "i18n", "translations", tag+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The window speaks the chosen language, every word from its catalog.
func TestWindowSpeaksEachLanguage(t *testing.T) {
	t.Cleanup(func() { _ = i18n.SetLanguage("") })
	for _, tag := range []string{i18n.English, i18n.Japanese} {
		t.Run(tag, func(t *testing.T) {
			if err := i18n.SetLanguage(tag); err != nil {
				t.Fatal(err)
			}
			words := catalog(t, tag)
			h := start(t, viewmodeltest.Entry("corp", true))
			h.waitFor("corp selected", func() bool { return h.w.details.title.Text == "corp" })
			all := texts(h.w.win.Canvas().Content())
			for _, key := range []string{"main.profiles", "profile.import", "profile.rename", "profile.remove",
				"profile.check", "action.connect", "details.endpoint", "details.bytes_in", "details.connected_time",
				"profile.managed", "state.disconnected", "profile.managed.locked", "main.drop_hint"} {
				want, _ := words[key].(string)
				if want == "" || !contains(all, want) {
					t.Errorf("%s: no %q (%s) in %q", tag, want, key, all)
				}
			}
			if got, want := h.value("details.auth_mode"), words["details.auth.password"]; got != want {
				t.Errorf("%s: auth mode %q, want %q", tag, got, want)
			}
		})
	}
}
