// Package desktop is cvpn's Fyne views: thin drawings of a
// viewmodel.Model, one small file per view, every word through ui/i18n.
// The views hold no state of the connection: each redraw reads one
// viewmodel.View snapshot, and each click calls one Model method.
//
// Threads: the Model reports changes from its own goroutines; Changed
// hands them to Fyne's goroutine (fyne.Do) and coalesces a burst into
// one redraw. Widgets are only touched there.
package desktop

import (
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// Options tune a Window; the zero value is what the app uses.
type Options struct {
	// QuitOnClose makes the window's close button close it for good (and
	// with it an app whose last window it is). By default closing only
	// hides it: the app keeps running, and the tunnels with it, in the
	// tray, which brings the window back.
	QuitOnClose bool
	// Do runs f on Fyne's goroutine without waiting; nil is fyne.Do.
	// Tests pass their own to run the redraws on the test's goroutine, as
	// Fyne's event loop would.
	Do func(f func())
	// ChooseFile asks for a profile file and calls done with its path,
	// not at all when the user cancels; nil is Fyne's file dialog.
	ChooseFile func(parent fyne.Window, done func(path string))
	// Now is the clock of the connected time; nil is time.Now.
	Now func() time.Time
}

// Window is the main window: a banner for what went wrong, and a split of
// the profile list and the selected profile's details.
type Window struct {
	win     fyne.Window
	m       *viewmodel.Model
	opts    Options
	list    *profileList
	details *details
	banner  *banner
	signIn  *signIn

	// Touched on Fyne's goroutine only.
	view   viewmodel.View // the last drawn
	local  *message       // what the last action of this window says, until dismissed
	notice *message       // the service's last warning, until dismissed
	tick   *time.Timer    // the next once-a-second redraw, while something counts
	hidden bool

	pending atomic.Bool // a redraw is queued with Do
	closed  atomic.Bool
}

// New makes the main window of a over m and draws it; call it on Fyne's
// goroutine, then Show. The Window registers itself with m.OnChange. The
// caller starts and closes m: the Model outlives a closed window.
func New(a fyne.App, m *viewmodel.Model, o Options) *Window {
	if o.Do == nil {
		o.Do = fyne.Do
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ChooseFile == nil {
		o.ChooseFile = chooseProfileFile
	}
	w := &Window{win: a.NewWindow(i18n.T("main.title")), m: m, opts: o}
	w.banner = newBanner(w.dismiss)
	w.signIn = newSignIn(w.win, m, w.reveal)
	w.details = newDetails(m.Primary)
	w.list = newProfileList(m.Select, listActions{
		importFile: w.importFile, rename: w.rename, remove: w.remove, check: w.check,
	})
	split := container.NewHSplit(w.list.root, w.details.root)
	split.Offset = 0.4
	w.win.SetContent(container.NewBorder(w.banner.root, nil, nil, nil, split))
	w.win.Resize(fyne.NewSize(800, 520))
	w.win.SetCloseIntercept(w.closeRequested)
	w.win.SetOnDropped(w.dropped)
	m.OnChange(w.Changed)
	w.refresh()
	return w
}

// Fyne is the window itself, for dialogs of other views and for the app's
// SetMaster.
func (w *Window) Fyne() fyne.Window { return w.win }

// Changed asks for a redraw from any goroutine. Calls that come while one
// is queued add nothing: a burst of the Model's changes is drawn once.
func (w *Window) Changed() {
	if w.closed.Load() || !w.pending.CompareAndSwap(false, true) {
		return
	}
	w.opts.Do(func() {
		w.pending.Store(false)
		w.refresh()
	})
}

// refresh draws the Model's current View.
func (w *Window) refresh() {
	if w.closed.Load() {
		return
	}
	v := w.m.View()
	w.view = v
	w.list.show(v)
	w.details.show(v, w.opts.Now())
	w.banner.show(w.bannerMessage(v))
	w.signIn.show(v.SignIn, w.opts.Now())
	w.scheduleTick(v)
}

// scheduleTick arms one redraw a second from now while a visible window
// shows something that counts by itself (the connected time, a browser
// sign-in's time left); otherwise the idle app sets no timer at all.
func (w *Window) scheduleTick(v viewmodel.View) {
	if w.tick != nil || w.hidden || !v.Ticking() {
		return
	}
	w.tick = time.AfterFunc(viewmodel.MinInterval, func() {
		w.opts.Do(func() {
			w.tick = nil
			w.refresh()
		})
	})
}

func (w *Window) stopTick() {
	if w.tick != nil {
		w.tick.Stop()
		w.tick = nil
	}
}

// bannerMessage picks what the banner says: the user's own failed action
// first (they just did it), then the Model's error with its fix, then the
// window's news and the service's warnings.
func (w *Window) bannerMessage(v viewmodel.View) *message {
	switch {
	case w.local != nil && w.local.kind == kindError:
		return w.local
	case v.Error != nil:
		return errorMessage(v.Error)
	case w.local != nil:
		return w.local
	}
	return w.notice
}

// dismiss closes what the banner shows.
func (w *Window) dismiss() {
	switch {
	case w.local != nil && w.local.kind == kindError:
		w.local = nil
	case w.view.Error != nil:
		w.m.DismissError()
	case w.local != nil:
		w.local = nil
	default:
		w.notice = nil
	}
	w.refresh()
}

// ShowNotice puts the service's warnings (a route put back, another user
// logged in, a session ending) in the banner; call it on Fyne's goroutine
// from the app's Model.OnNotice. Edges of the state are not repeated
// here: the list shows them, and a failure is the Model's error.
func (w *Window) ShowNotice(n viewmodel.Notice) {
	if n.Kind != viewmodel.NoticeWarning || n.Text == "" {
		return
	}
	w.notice = &message{cause: n.Text, kind: kindWarning}
	w.refresh()
}

// Show brings the window back, redrawn.
func (w *Window) Show() {
	w.hidden = false
	w.win.Show()
	w.refresh()
}

// Hide hides the window; a hidden window sets no timers.
func (w *Window) Hide() {
	w.hidden = true
	w.stopTick()
	w.win.Hide()
}

// Hidden reports whether the window was hidden (closed by the user).
func (w *Window) Hidden() bool { return w.hidden }

// closeRequested is the window manager's close button.
func (w *Window) closeRequested() {
	if w.opts.QuitOnClose {
		w.Close()
		return
	}
	w.Hide()
}

// Close closes the window for good and stops its redraws. The Model goes
// on (the caller closes it).
func (w *Window) Close() {
	if w.closed.Swap(true) {
		return
	}
	w.m.OnChange(nil)
	w.stopTick()
	w.win.Close()
}
