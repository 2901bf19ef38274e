package desktop

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
	"github.com/cvpn/cvpn/usersession"
)

// appHarness is a whole App over the fake backend on the test driver;
// every view's redraws queue up and run on the test's goroutine.
type appHarness struct {
	t     *testing.T
	a     fyne.App
	b     *viewmodeltest.Backend
	m     *viewmodel.Model
	x     *App
	queue chan func()
	sent  []*fyne.Notification
}

func startApp(t *testing.T) *appHarness {
	return startAppWith(t, viewmodel.LoadSettings(filepath.Join(t.TempDir(), "settings.json")), viewmodeltest.Entry("corp", false))
}

// startAppWith starts an App over settings and a backend holding entries.
func startAppWith(t *testing.T, settings *viewmodel.SettingsModel, entries ...profile.Entry) *appHarness {
	t.Helper()
	h := &appHarness{t: t, a: test.NewTempApp(t), b: viewmodeltest.New(entries...), queue: make(chan func(), 256)}
	do := func(f func()) { h.queue <- f }
	h.m = viewmodel.New(h.b, viewmodel.Options{})
	h.x = NewApp(h.a, h.m, settings, AppOptions{Version: "1.2.3", Build: "abc",
		Window: Options{Do: do}, Tray: TrayOptions{Do: do}, Logs: LogsOptions{Do: do},
		Notify: func(n *fyne.Notification) { h.sent = append(h.sent, n) }})
	h.m.Start()
	t.Cleanup(func() {
		h.x.Close()
		h.m.Close()
	})
	return h
}

// waitFor runs queued redraws until cond holds.
func (h *appHarness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	runQueued(h.t, h.queue, what, cond, func() string { return fmt.Sprintf("the tray menu reads %q", menuLabels(h.x.Tray.Menu())) })
}

func menuLabels(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		if !it.IsSeparator {
			out = append(out, it.Label)
		}
	}
	return out
}

// The main window's menu opens the logs, settings and About, in the
// user's language.
func TestAppMenu(t *testing.T) {
	t.Cleanup(func() { _ = i18n.SetLanguage("") })
	for _, tt := range []struct {
		lang        string
		profile     []string // nil: as the catalog says
		help, about string
	}{
		{i18n.English, []string{"Import…", "Import from AWS VPN Client…", "Logs", "Settings…"}, "Help", "About cvpn"},
		{i18n.Japanese, nil, "ヘルプ", "cvpn について"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			if err := i18n.SetLanguage(tt.lang); err != nil {
				t.Fatal(err)
			}
			h := startApp(t)
			mm := h.x.Window.Fyne().MainMenu()
			if mm == nil || len(mm.Items) != 2 {
				t.Fatalf("main menu %+v", mm)
			}
			want := []string{i18n.T("profile.import"), i18n.T("profile.import_aws"), i18n.T("menu.logs"), i18n.T("menu.settings")}
			if tt.profile != nil && !slices.Equal(want, tt.profile) {
				t.Fatalf("catalog gives %q, want %q", want, tt.profile)
			}
			if got := menuLabels(mm.Items[0]); !slices.Equal(got, want) || mm.Items[0].Label != i18n.T("menu.profile") {
				t.Errorf("%s menu %q, want %q", mm.Items[0].Label, got, want)
			}
			if got := menuLabels(mm.Items[1]); mm.Items[1].Label != tt.help || !slices.Equal(got, []string{tt.about}) {
				t.Errorf("%s menu %q", mm.Items[1].Label, got)
			}
		})
	}
}

// The menu's items open their views: one Logs window however often it is
// asked for, and About over the main window.
func TestAppMenuOpensViews(t *testing.T) {
	h := startApp(t)
	windows := len(h.a.Driver().AllWindows())
	h.x.ShowLogs()
	h.x.ShowLogs()
	if n := len(h.a.Driver().AllWindows()); n != windows+1 {
		t.Errorf("%d windows after opening the logs twice, want %d", n, windows+1)
	}
	h.x.ShowAbout()
	if h.x.Window.Fyne().Canvas().Overlays().Top() == nil {
		t.Error("About opened no dialog over the main window")
	}
}

// One change of the Model reaches both the window and the tray.
func TestAppFansOutChanges(t *testing.T) {
	h := startApp(t)
	h.b.SetConnect(connectsTo(api.Status{IPv4: "10.8.0.2"}, time.Now()))
	h.waitFor("the profile", func() bool { return slices.Contains(menuLabels(h.x.Tray.Menu()), "Connect corp") })
	h.m.Connect("corp")
	h.waitFor("the tray and the window to show the tunnel up", func() bool {
		return slices.Contains(menuLabels(h.x.Tray.Menu()), "Disconnect corp") && h.x.Window.details.primary.Text == i18n.T("action.disconnect")
	})
}

// A tunnel coming up, going down, and a warning from the service each
// send one desktop notification in the user's words; the warning shows in
// the window's banner too.
func TestAppNotifies(t *testing.T) {
	h := startApp(t)
	h.b.SetConnect(connectsTo(api.Status{IPv4: "10.8.0.2"}, time.Now()))
	h.waitFor("the profile", func() bool { return slices.Contains(menuLabels(h.x.Tray.Menu()), "Connect corp") })
	h.m.Connect("corp")
	h.waitFor("the connected notification", func() bool { return len(h.sent) == 1 })
	if n := h.sent[0]; n.Title != "Connected" || n.Content != "corp is connected." {
		t.Errorf("notification %q / %q", n.Title, n.Content)
	}
	h.b.Emit(&api.Event{Kind: api.EventWarning, Tunnel: "corp", Message: "the route to 10.0.0.0/8 was put back"})
	h.waitFor("the warning", func() bool { return len(h.sent) == 2 })
	if n := h.sent[1]; n.Title != "cvpn" || n.Content != "the route to 10.0.0.0/8 was put back" {
		t.Errorf("notification %q / %q", n.Title, n.Content)
	}
	h.waitFor("the warning in the banner", func() bool { return h.x.Window.banner.root.Visible() })
	h.m.Disconnect("corp")
	h.waitFor("the disconnected notification", func() bool { return len(h.sent) == 3 })
	if n := h.sent[2]; n.Title != "Disconnected" || n.Content != "corp is disconnected." {
		t.Errorf("notification %q / %q", n.Title, n.Content)
	}
}

func TestNotificationWords(t *testing.T) {
	for _, tt := range []struct {
		n           viewmodel.Notice
		title, body string
	}{
		{viewmodel.Notice{Kind: viewmodel.NoticeFailed, Profile: "corp", Text: "wrong password; check it"}, "Connection failed", "corp: wrong password; check it"},
		{viewmodel.Notice{Kind: viewmodel.NoticeWarning}, "", ""},
	} {
		got := notification(tt.n)
		if tt.title == "" {
			if got != nil {
				t.Errorf("%+v sent %+v", tt.n, got)
			}
			continue
		}
		if got == nil || got.Title != tt.title || got.Content != tt.body {
			t.Errorf("%+v: %+v, want %q / %q", tt.n, got, tt.title, tt.body)
		}
	}
}

// StartUp connects the profile chosen to connect at start, the policy's
// over the user's, once the rows are known; it leaves alone a tunnel
// already up, and says so when the chosen profile does not exist.
func TestAppStartUpConnectsTheChosenProfile(t *testing.T) {
	tests := []struct {
		name      string
		user      string // the user's connect_at_start
		policy    string
		upAlready bool   // corp is connected before StartUp
		want      string // the profile connected by StartUp, "" none
		missing   string // the profile the window says is missing
	}{
		{name: "none chosen", policy: `{}`},
		{name: "user's choice", user: "corp", policy: `{}`, want: "corp"},
		{name: "policy's over the user's", user: "home", policy: `{"connect_at_start": "corp"}`, want: "corp"},
		{name: "policy says none", user: "corp", policy: `{"connect_at_start": ""}`},
		{name: "already connected", user: "corp", policy: `{}`, upAlready: true},
		{name: "unknown profile", user: "gone", policy: `{}`, missing: "gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inLanguage(t, "en")
			path := filepath.Join(t.TempDir(), "settings.json")
			if err := usersession.SaveSettings(path, usersession.Settings{ConnectAtStart: tt.user}); err != nil {
				t.Fatal(err)
			}
			settings := viewmodel.OpenSettings(path, viewmodel.SettingsOptions{Policy: mustPolicy(t, tt.policy),
				Autostart: func(bool) error { return nil }})
			h := startAppWith(t, settings, viewmodeltest.Entry("corp", false), viewmodeltest.Entry("home", false))
			h.b.SetConnect(connectsTo(api.Status{IPv4: "10.8.0.2"}, time.Now()))
			h.waitFor("the profiles", func() bool { return len(h.m.View().Rows) == 2 })
			if tt.upAlready {
				h.m.Connect("corp")
				h.waitFor("corp up", func() bool { return slices.Contains(menuLabels(h.x.Tray.Menu()), "Disconnect corp") })
			}
			before := len(connects(h.b))
			h.x.StartUp()
			if tt.want != "" {
				h.waitFor(tt.want+" up", func() bool {
					return slices.Contains(menuLabels(h.x.Tray.Menu()), "Disconnect "+tt.want)
				})
			}
			if tt.missing != "" {
				h.waitFor("the missing profile's notice", func() bool {
					return h.x.Window.notice != nil && strings.Contains(h.x.Window.notice.cause, tt.missing)
				})
			}
			got := connects(h.b)[before:]
			want := []string{}
			if tt.want != "" {
				want = []string{"connect " + tt.want}
			}
			if !slices.Equal(got, want) {
				t.Errorf("StartUp connected %q, want %q", got, want)
			}
		})
	}
}

// connects are the backend's connect calls so far.
func connects(b *viewmodeltest.Backend) []string {
	out := []string{}
	for _, c := range b.Calls() {
		if strings.HasPrefix(c, "connect ") {
			out = append(out, c)
		}
	}
	return out
}

func mustPolicy(t *testing.T, text string) *policy.Policy {
	t.Helper()
	p, err := policy.Decode(strings.NewReader(text), "/etc/cvpn/policy.json")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
