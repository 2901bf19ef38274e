package desktop

import (
	"fyne.io/fyne/v2"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// App puts the views together: the main window with its menu, the tray,
// and the windows and dialogs the menu opens. The Model has one change
// callback, so App fans it out to the window and the tray; its notices go
// to the window's banner.
type App struct {
	app      fyne.App
	m        *viewmodel.Model
	settings *viewmodel.SettingsModel
	opts     AppOptions
	Window   *Window
	Tray     *Tray
	logs     *Logs
	do       func(func()) // runs on Fyne's goroutine
}

// AppOptions configure an App.
type AppOptions struct {
	Version, Build string
	// Window and Tray are passed on to their views (Do hooks for tests).
	Window Options
	Tray   TrayOptions
	Logs   LogsOptions
	// Notify sends a desktop notification; nil is the app's
	// SendNotification (D-Bus notifications on Linux).
	Notify func(*fyne.Notification)
}

// NewApp builds the app's views over m on a (call it on Fyne's goroutine)
// and attaches the tray when the driver has one. The caller starts and
// closes m, and shows the window.
func NewApp(a fyne.App, m *viewmodel.Model, settings *viewmodel.SettingsModel, o AppOptions) *App {
	x := &App{app: a, m: m, settings: settings, opts: o}
	x.Window = New(a, m, o.Window)
	x.Tray = NewTray(m, x.Window.Show, a.Quit, o.Tray)
	m.OnChange(func() {
		x.Window.Changed()
		x.Tray.Changed()
	})
	// Notices come from the Model's goroutines: draw them on Fyne's.
	do, notify := o.Window.Do, o.Notify
	if do == nil {
		do = fyne.Do
	}
	if notify == nil {
		notify = a.SendNotification
	}
	x.do = do
	m.OnNotice(func(n viewmodel.Notice) {
		do(func() {
			x.Window.ShowNotice(n)
			if msg := notification(n); msg != nil {
				notify(msg)
			}
		})
	})
	x.Window.Fyne().SetMainMenu(x.menu())
	x.Tray.Attach(a)
	return x
}

// menu is the main window's menu. Quit is Fyne's own (the last item of the
// first menu), which ends the app; the service keeps any tunnel running.
func (x *App) menu() *fyne.MainMenu {
	return fyne.NewMainMenu(
		fyne.NewMenu(i18n.T("menu.profile"),
			fyne.NewMenuItem(i18n.T("profile.import"), x.Window.importFile),
			fyne.NewMenuItem(i18n.T("profile.import_aws"), x.Window.importFromAWSClient),
			fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem(i18n.T("menu.logs"), x.ShowLogs),
			fyne.NewMenuItem(i18n.T("menu.settings"), x.ShowSettings),
		),
		fyne.NewMenu(i18n.T("menu.help"),
			fyne.NewMenuItem(i18n.T("menu.about"), x.ShowAbout),
		),
	)
}

// StartUp connects the profile the settings choose to connect at start
// (the policy's choice over the user's), unless it is already connected
// or connecting: a second start of the app, or a tunnel the service kept
// while the app was closed, is left alone. A profile that is not among
// the stored ones is not guessed at; the window says so instead. Call it
// once, after the Model's first load, so the rows are known.
func (x *App) StartUp() {
	if x.settings == nil {
		return
	}
	name := x.settings.ConnectAtStart()
	if name == "" {
		return
	}
	for _, r := range x.m.View().Rows {
		if r.Name != name || r.Unstored {
			continue
		}
		if !r.Connecting && r.State == api.StateDisconnected {
			x.m.Connect(name)
		}
		return
	}
	text := i18n.TD("settings.connect_at_start.missing", map[string]any{"Profile": name})
	x.do(func() { x.Window.ShowNotice(viewmodel.Notice{Kind: viewmodel.NoticeWarning, Text: text}) })
}

// ShowLogs opens the log window, or brings the open one forward.
func (x *App) ShowLogs() {
	if x.logs == nil || x.logs.ctx.Err() != nil { // none yet, or closed
		x.logs = NewLogs(x.app, x.m, x.opts.Logs)
	}
	x.logs.Show()
}

// ShowSettings opens the settings dialog over the main window, with the
// stored profiles to choose the one to connect at start.
func (x *App) ShowSettings() { ShowSettings(x.Window.Fyne(), x.settings, x.profileNames()) }

// profileNames are the stored profiles (not tunnels started from a file).
func (x *App) profileNames() []string {
	var names []string
	for _, r := range x.m.View().Rows {
		if !r.Unstored {
			names = append(names, r.Name)
		}
	}
	return names
}

// ShowAbout opens the About dialog over the main window.
func (x *App) ShowAbout() { ShowAbout(x.Window.Fyne(), x.opts.Version, x.opts.Build) }

// Close closes the log window and the main window; the Model is the
// caller's.
func (x *App) Close() {
	if x.logs != nil {
		x.logs.Close()
	}
	x.Window.Close()
}

// notification is the desktop notification for n, in the user's language:
// a tunnel up, down, failed (with the cause and its fix), or a warning
// from the service.
func notification(n viewmodel.Notice) *fyne.Notification {
	data := map[string]any{"Profile": n.Profile, "Cause": n.Text}
	switch n.Kind {
	case viewmodel.NoticeConnected:
		return fyne.NewNotification(i18n.T("notify.connected.title"), i18n.TD("notify.connected.body", data))
	case viewmodel.NoticeDisconnected:
		return fyne.NewNotification(i18n.T("notify.disconnected.title"), i18n.TD("notify.disconnected.body", data))
	case viewmodel.NoticeFailed:
		return fyne.NewNotification(i18n.T("notify.failed.title"), i18n.TD("notify.failed.body", data))
	case viewmodel.NoticeWarning:
		if n.Text != "" {
			return fyne.NewNotification(i18n.T("main.title"), n.Text)
		}
	}
	return nil
}
