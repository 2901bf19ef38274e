package desktop

import (
	_ "embed"
	"strconv"
	"strings"
	"sync/atomic"

	"fyne.io/fyne/v2"
	fynedesktop "fyne.io/fyne/v2/driver/desktop"

	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// The tray's icons, one per viewmodel.Tray state: a shield, filled green
// with a tick when a tunnel is up, amber with dots while one comes up, and
// a grey outline otherwise. SVG keeps them a few hundred bytes; Fyne's
// driver turns them into the PNG a Linux or Windows tray wants.
var (
	//go:embed icons/connected.svg
	connectedSVG []byte
	//go:embed icons/connecting.svg
	connectingSVG []byte
	//go:embed icons/disconnected.svg
	disconnectedSVG []byte

	trayIcons = [...]fyne.Resource{
		viewmodel.TrayDisconnected: fyne.NewStaticResource("cvpn-disconnected.svg", disconnectedSVG),
		viewmodel.TrayConnecting:   fyne.NewStaticResource("cvpn-connecting.svg", connectingSVG),
		viewmodel.TrayConnected:    fyne.NewStaticResource("cvpn-connected.svg", connectedSVG),
	}
)

// TrayOptions tune a Tray; the zero value is what the app uses.
type TrayOptions struct {
	// Do runs f on Fyne's goroutine without waiting; nil is fyne.Do.
	// Tests pass their own, as for the Window.
	Do func(f func())
}

// Tray is the system tray's icon and menu, drawn from the Model: the icon
// says whether any tunnel is up, and the menu connects or disconnects
// each profile, opens the window, and quits.
//
// The Tray does not register with Model.OnChange (the Window does, and a
// Model has one listener): the app's listener calls both Window.Changed
// and Tray.Changed.
type Tray struct {
	m    *viewmodel.Model
	show func()
	quit func()
	opts TrayOptions

	// Touched on Fyne's goroutine only.
	menu  *fyne.Menu
	icon  fyne.Resource
	drawn string          // what the menu was built from; see menuKey
	app   fynedesktop.App // nil until attached to an app with a system tray

	pending atomic.Bool // a Refresh is queued with Do
}

// NewTray builds the tray of m; call it on Fyne's goroutine. show brings
// the main window back ("Open cvpn"); quit ends the app ("Quit"). Quitting
// disconnects nothing: the tunnels belong to the service, which keeps
// them up without the app, and the CLI or the app started again finds
// them there. Disconnecting is the profile items' job.
func NewTray(m *viewmodel.Model, show, quit func(), o TrayOptions) *Tray {
	if o.Do == nil {
		o.Do = fyne.Do
	}
	t := &Tray{m: m, show: show, quit: quit, opts: o}
	t.Refresh()
	return t
}

// Attach puts the tray in the app's system tray when the app has one:
// Fyne's desktop driver does (a StatusNotifierItem on Linux), the
// headless test driver and mobile do not, and then Attach does nothing,
// so the app runs the same everywhere. Call it on Fyne's goroutine.
func (t *Tray) Attach(a fyne.App) {
	d, ok := a.(fynedesktop.App)
	if !ok {
		return
	}
	t.app = d
	d.SetSystemTrayIcon(t.icon)
	d.SetSystemTrayMenu(t.menu)
}

// Menu is the tray's menu. A change of the profiles, their state or the
// language gives it new items; otherwise its items stay as they were.
func (t *Tray) Menu() *fyne.Menu { return t.menu }

// Icon is the icon for the tunnels' overall state.
func (t *Tray) Icon() fyne.Resource { return t.icon }

// Changed asks for a Refresh from any goroutine, as Window.Changed does:
// calls that come while one is queued add nothing.
func (t *Tray) Changed() {
	if !t.pending.CompareAndSwap(false, true) {
		return
	}
	t.opts.Do(func() {
		t.pending.Store(false)
		t.Refresh()
	})
}

// Refresh redraws the tray from the Model's View, on Fyne's goroutine.
// The menu is built again only when what it shows changed: the Model
// reports every byte counted, and rebuilding a tray menu makes the
// desktop redraw it (and closes it under the user's pointer on some).
func (t *Tray) Refresh() {
	v := t.m.View()
	if icon := trayIcons[v.Tray]; icon != t.icon {
		t.icon = icon
		if t.app != nil {
			t.app.SetSystemTrayIcon(icon)
		}
	}
	key := menuKey(v)
	if t.menu != nil && key == t.drawn {
		return
	}
	t.drawn = key
	// One Menu for the tray's life, its items replaced: Fyne's driver
	// draws the first menu it was given once its tray is up, which may
	// be after later menus were set, and then it draws today's items.
	if built := t.build(v); t.menu == nil {
		t.menu = built
	} else {
		t.menu.Items = built.Items
	}
	if t.app != nil {
		t.app.SetSystemTrayMenu(t.menu)
	}
}

// trayItem is one profile's entry: the action it takes and whether it can.
type trayItem struct {
	name    string
	action  viewmodel.Action
	enabled bool
}

// trayItems are the profiles' entries, in the list's order. An unstored
// tunnel that ended is left out: there is nothing left to do with it.
func trayItems(v viewmodel.View) []trayItem {
	var out []trayItem
	for _, r := range v.Rows {
		a, ok := v.ActionFor(r)
		if r.Unstored && a == viewmodel.ActionConnect {
			continue
		}
		out = append(out, trayItem{name: r.Name, action: a, enabled: ok})
	}
	return out
}

// menuKey is everything the menu shows, so that equal keys draw equal
// menus: the language, and each entry's name, action and whether it can
// be taken.
func menuKey(v viewmodel.View) string {
	var b strings.Builder
	b.WriteString(i18n.Current())
	for _, it := range trayItems(v) {
		b.WriteString("\x00" + it.name + "\x00" + it.action.String() + strconv.FormatBool(it.enabled))
	}
	return b.String()
}

// trayActionKeys are the labels of each action, with the profile's name.
var trayActionKeys = map[viewmodel.Action]string{
	viewmodel.ActionConnect:    "tray.connect",
	viewmodel.ActionDisconnect: "tray.disconnect",
	viewmodel.ActionCancel:     "tray.cancel",
}

// build makes the menu for v. Quit comes last and is marked IsQuit, so
// Fyne's desktop driver keeps it instead of adding a Quit of its own
// (which would end the app without the app's say).
func (t *Tray) build(v viewmodel.View) *fyne.Menu {
	var items []*fyne.MenuItem
	for _, it := range trayItems(v) {
		item := fyne.NewMenuItem(i18n.TD(trayActionKeys[it.action], map[string]any{"Profile": it.name}), t.actionFor(it))
		item.Disabled = !it.enabled
		items = append(items, item)
	}
	if len(items) > 0 {
		items = append(items, fyne.NewMenuItemSeparator())
	}
	open := fyne.NewMenuItem(i18n.T("tray.open"), t.show)
	quit := fyne.NewMenuItem(i18n.T("tray.quit"), t.quit)
	quit.IsQuit = true
	items = append(items, open, fyne.NewMenuItemSeparator(), quit)
	return fyne.NewMenu("cvpn", items...)
}

// actionFor is what choosing it does: one Model call, which returns at
// once; the state it brings arrives through Changed.
func (t *Tray) actionFor(it trayItem) func() {
	name := it.name
	switch it.action {
	case viewmodel.ActionDisconnect:
		return func() { t.m.Disconnect(name) }
	case viewmodel.ActionCancel:
		return func() { t.m.Cancel(name) }
	}
	return func() { t.m.Connect(name) }
}
