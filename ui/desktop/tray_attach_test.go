package desktop

import (
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	fynedesktop "fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/viewmodel"
	"github.com/cvpn/cvpn/ui/viewmodel/viewmodeltest"
)

// trayApp is an app with a system tray, as Fyne's desktop driver is; it
// records what the Tray gives it.
type trayApp struct {
	fyne.App
	menus []*fyne.Menu
	icons []fyne.Resource
}

var _ fynedesktop.App = (*trayApp)(nil)

func (a *trayApp) SetSystemTrayMenu(m *fyne.Menu)    { a.menus = append(a.menus, m) }
func (a *trayApp) SetSystemTrayIcon(r fyne.Resource) { a.icons = append(a.icons, r) }
func (a *trayApp) SetSystemTrayWindow(fyne.Window)   {}

// The headless test app has no system tray: Attach leaves it alone, and
// the Tray goes on drawing its menu and icon.
func TestTrayAttachWithoutSystemTray(t *testing.T) {
	h := startTray(t, viewmodeltest.Entry("corp", false))
	app := test.NewTempApp(t)
	if _, ok := app.(fynedesktop.App); ok {
		t.Skip("this Fyne's test app has a system tray")
	}
	h.tray.Attach(app)
	h.waitFor("corp", func() bool { return slices.Contains(h.labels(), "Connect corp") })
}

// On a desktop, Attach puts the icon and menu in the tray, and each
// change that shows there is handed to it again.
func TestTrayAttachFollowsChanges(t *testing.T) {
	h := startTray(t, viewmodeltest.Entry("corp", false))
	h.waitFor("corp", func() bool { return slices.Contains(h.labels(), "Connect corp") })
	app := &trayApp{App: test.NewTempApp(t)}
	h.tray.Attach(app)
	if len(app.menus) != 1 || app.menus[0] != h.tray.Menu() || len(app.icons) != 1 ||
		app.icons[0] != trayIcons[viewmodel.TrayDisconnected] {
		t.Fatalf("after Attach: menus %v, icons %v", app.menus, app.icons)
	}
	h.b.SetConnect(connectsTo(api.Status{IPv4: "10.8.0.2"}, time.Now()))
	h.m.Connect("corp")
	h.waitFor("the connected icon in the tray", func() bool {
		return app.icons[len(app.icons)-1] == trayIcons[viewmodel.TrayConnected]
	})
	h.waitFor("the tray's menu to disconnect", func() bool {
		last := app.menus[len(app.menus)-1]
		return last == h.tray.Menu() && last.Items[0].Label == "Disconnect corp"
	})
}

// The menu is built again only when what it shows changed: counters
// moving, a selection, or a refresh with nothing new leave it alone, and
// a burst of changes is one refresh.
func TestTrayRebuildsOnlyOnChange(t *testing.T) {
	h := startTray(t, viewmodeltest.Entry("corp", false), viewmodeltest.Entry("home", false))
	h.b.SetConnect(connectsTo(api.Status{IPv4: "10.8.0.2"}, time.Now()))
	h.m.Connect("corp")
	h.waitFor("corp up", func() bool { return slices.Contains(h.labels(), "Disconnect corp") })
	menu, icon := h.tray.Menu(), h.tray.Icon()
	app := &trayApp{App: test.NewTempApp(t)}
	h.tray.Attach(app)

	h.b.Emit(&api.Event{Kind: api.EventStats, Tunnel: "corp",
		Status: &api.Status{Profile: "corp", State: api.StateConnected, RxBytes: 4096, TxBytes: 512}})
	h.waitFor("the counters", func() bool {
		for _, r := range h.m.View().Rows {
			if r.Name == "corp" {
				return r.BytesIn == 4096
			}
		}
		return false
	})
	h.m.Select("home")
	h.tray.Refresh()
	h.waitFor("the queue drained", func() bool { return len(h.queue) == 0 })
	if h.tray.Menu() != menu || h.tray.Icon() != icon || len(app.menus) != 1 || len(app.icons) != 1 {
		t.Errorf("rebuilt with nothing to show: menu %v, icon %v, the tray was given %d menus, %d icons",
			h.tray.Menu() != menu, h.tray.Icon() != icon, len(app.menus), len(app.icons))
	}

	for range 3 {
		h.tray.Changed()
	}
	if n := len(h.queue); n != 1 {
		t.Errorf("three changes queued %d refreshes, want 1", n)
	}
	h.waitFor("the queue drained", func() bool { return len(h.queue) == 0 })

	h.m.Disconnect("corp")
	h.waitFor("new items", func() bool {
		return len(app.menus) == 2 && slices.Contains(h.labels(), "Connect corp")
	})
	// Fyne's driver may draw the first menu it was given once its tray is
	// up, after later ones: that menu must show today's items.
	if first := app.menus[0]; first.Items[0].Label != "Connect corp" {
		t.Errorf("the menu first given to the tray now reads %q, want today's items", first.Items[0].Label)
	}
}
