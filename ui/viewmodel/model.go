package viewmodel

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
)

// Clock is time as the Model sees it, so that tests drive the rate limit
// and the retry on a virtual clock instead of sleeping.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc.
type Timer interface{ Stop() bool }

type realClock struct{}

func (realClock) Now() time.Time                            { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Options tune a Model; the zero value is what the app uses.
type Options struct {
	Clock Clock
	// SignInTimeout bounds a browser sign-in (0: usersession's default);
	// the SAML wait shows the time left against it.
	SignInTimeout time.Duration
}

// MinInterval is the shortest time between two redraws for counters, and
// between two attempts to reach the service: an idle app stays near zero
// CPU, and a live byte count once a second is all a person reads.
const MinInterval = time.Second

// ErrLocked is returned for renaming or removing a managed profile.
var ErrLocked = fmt.Errorf("this profile is managed by your administrator: %w", profile.ErrReadOnly)

// Model is the app's state. Its methods are safe from any goroutine; they
// never block on the service (work runs on the Model's goroutines), and
// the function given to OnChange is called after each change, from
// whichever goroutine made it.
type Model struct {
	b     Backend
	clock Clock
	opts  Options

	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	onChange func()
	onNotice func(Notice)
	notices  []Notice // recorded under mu, delivered by flushNotices
	entries  []profile.Entry
	forbid   Forbidden // as of the last Refresh
	tunnels  map[string]*api.Status
	attempts map[string]context.CancelCauseFunc // connects this app runs
	selected string
	lastErr  *ErrorView
	// dismissed is the failure the user last put away, and when: the
	// same failure told again soon after (the connect's answer and the
	// event stream each tell it, in either order) must not bring it back.
	dismissed   *ErrorView
	dismissedAt time.Time
	serviceDown bool
	signIns     []*pendingSignIn // oldest first
	nextID      int
	statsTimer  Timer     // a rate-limited redraw is due
	lastStats   time.Time // when counters were last redrawn
	closed      bool
}

// New returns a Model over b. Call OnChange, then Start.
func New(b Backend, o Options) *Model {
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Model{b: b, clock: o.Clock, opts: o, ctx: ctx, cancel: cancel,
		tunnels: map[string]*api.Status{}, attempts: map[string]context.CancelCauseFunc{}}
}

// OnChange registers f, called after every change of the View. The GUI
// wraps it with fyne.Do, since it runs on the Model's goroutines.
func (m *Model) OnChange(f func()) {
	m.mu.Lock()
	m.onChange = f
	m.mu.Unlock()
}

// changed tells the view; never called with mu held, so that f may read
// the View at once.
func (m *Model) changed() {
	m.mu.Lock()
	f := m.onChange
	m.mu.Unlock()
	if f != nil {
		f()
	}
}

// View returns a snapshot of the state.
func (m *Model) View() View {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := View{Selected: m.selected, ServiceDown: m.serviceDown, Waiting: len(m.signIns), Forbidden: m.forbid}
	var sel *Row
	stored := map[string]bool{}
	for _, e := range m.entries {
		_, connecting := m.attempts[e.Name]
		v.Rows = append(v.Rows, rowFor(e, m.tunnels[e.Name], connecting))
		stored[e.Name] = true
	}
	for _, name := range sortedKeys(m.tunnels) {
		if !stored[name] {
			r := rowFor(profile.Entry{Name: name}, m.tunnels[name], false)
			r.Unstored, r.AuthMode = true, m.tunnels[name].AuthMode
			v.Rows = append(v.Rows, r)
		}
	}
	for i := range v.Rows {
		if v.Rows[i].Name == m.selected {
			sel = &v.Rows[i]
		}
	}
	v.Primary, v.PrimaryEnabled = primary(sel, m.serviceDown)
	v.Tray = summary(v.Rows)
	if m.lastErr != nil {
		e := *m.lastErr
		v.Error = &e
	}
	if len(m.signIns) > 0 {
		s := m.signIns[0].SignIn
		v.SignIn = &s
	}
	return v
}

// Select makes name the selected profile.
func (m *Model) Select(name string) {
	m.mu.Lock()
	m.selected = name
	m.mu.Unlock()
	m.changed()
}

// DismissError clears the error shown, and keeps it from coming back
// when the same failure is told again.
func (m *Model) DismissError() {
	m.mu.Lock()
	if m.lastErr != nil {
		m.dismissed, m.dismissedAt = m.lastErr, m.clock.Now()
	}
	m.lastErr = nil
	m.mu.Unlock()
	m.changed()
}

// retoldWithin is how long after a dismissal the same failure counts as
// told again rather than as a new one.
const retoldWithin = 10 * time.Second

// raiseLocked shows e unless it is the failure the user just dismissed
// (same profile and reason; the two tellings word the message
// differently); mu is held.
func (m *Model) raiseLocked(e *ErrorView) {
	if d := m.dismissed; d != nil && d.Profile == e.Profile && d.Reason == e.Reason &&
		m.clock.Now().Sub(m.dismissedAt) < retoldWithin {
		return
	}
	m.lastErr = e
}

func (m *Model) setError(e *ErrorView) {
	m.mu.Lock()
	m.lastErr = e
	m.mu.Unlock()
	m.changed()
}

// Refresh reads the profile list again (after an import, or when the
// window comes back: the store is not watched).
func (m *Model) Refresh() error {
	entries, err := m.b.Profiles()
	if err != nil {
		m.setError(explain("", err))
		return err
	}
	forbid := m.forbidden()
	m.mu.Lock()
	m.entries = entries
	m.forbid = forbid
	if m.selected == "" && len(entries) > 0 {
		m.selected = entries[0].Name
	}
	m.mu.Unlock()
	m.changed()
	return nil
}

// forbidden asks the backend's policy about each change, when it has
// one; the policy file is small and read at each Refresh, so a change by
// the administrator shows at the next one.
func (m *Model) forbidden() Forbidden {
	g, ok := m.b.(ChangeGuard)
	if !ok {
		return Forbidden{}
	}
	reason := func(op profile.Op) string {
		if err := g.Allowed(op); err != nil {
			return err.Error()
		}
		return ""
	}
	return Forbidden{Import: reason(profile.OpImport), Edit: reason(profile.OpEdit), Remove: reason(profile.OpRemove)}
}

// Import stores the profile file at path under name ("" derives it) and
// selects it. The entry's Warnings are for the view to show.
func (m *Model) Import(path, name string) (profile.Entry, error) {
	e, err := m.b.Import(path, name)
	if err != nil {
		return e, err
	}
	if err := m.Refresh(); err != nil {
		return e, err
	}
	m.Select(e.Name)
	return e, nil
}

// Check lists the problems of the profile file at path, each with its line.
func (m *Model) Check(path string) ([]profile.Problem, error) { return m.b.Check(path) }

// Rename renames a user profile; managed profiles are refused with
// ErrLocked before the store is touched.
func (m *Model) Rename(from, to string) error {
	if err := m.unlocked(from); err != nil {
		return err
	}
	if err := m.b.Rename(from, to); err != nil {
		return err
	}
	m.mu.Lock()
	if m.selected == from {
		m.selected = to
	}
	m.mu.Unlock()
	return m.Refresh()
}

// Remove deletes a user profile; managed profiles are refused with ErrLocked.
func (m *Model) Remove(name string) error {
	if err := m.unlocked(name); err != nil {
		return err
	}
	if err := m.b.Remove(name); err != nil {
		return err
	}
	m.mu.Lock()
	if m.selected == name {
		m.selected = ""
	}
	m.mu.Unlock()
	return m.Refresh()
}

func (m *Model) unlocked(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.entries {
		if e.Name == name && e.Managed {
			return ErrLocked
		}
	}
	return nil
}

// Primary takes the primary action on the selected profile.
func (m *Model) Primary() {
	v := m.View()
	if !v.PrimaryEnabled {
		return
	}
	switch v.Primary {
	case ActionConnect:
		m.Connect(v.Selected)
	case ActionDisconnect:
		m.Disconnect(v.Selected)
	case ActionCancel:
		m.Cancel(v.Selected)
	}
}

// Connect starts connecting name in the background; progress and the
// result arrive through OnChange. The tray menu calls it for any profile.
// A profile already connecting is left alone.
func (m *Model) Connect(name string) {
	m.mu.Lock()
	if _, busy := m.attempts[name]; busy || m.closed {
		m.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancelCause(m.ctx)
	m.attempts[name] = cancel
	if m.lastErr != nil && (m.lastErr.Profile == name || m.lastErr.Profile == "") && !m.serviceDown {
		m.lastErr = nil
	}
	if m.dismissed != nil && m.dismissed.Profile == name {
		m.dismissed = nil // a new attempt's failure is news
	}
	m.wg.Add(1)
	m.mu.Unlock()
	m.changed()
	go func() {
		defer m.wg.Done()
		ask := &asker{m: m, profile: name}
		st, err := m.b.Connect(ctx, ConnectRequest{Name: name, Ask: ask, Remember: ask.rememberChoice, SignInTimeout: m.opts.SignInTimeout})
		cancel(nil)
		m.mu.Lock()
		delete(m.attempts, name)
		if old := m.tunnels[name]; err == nil && st != nil && old != nil && old.State != api.StateConnected {
			// The connect may hear of it before the app's own stream does;
			// a tunnel the stream saw end (old == nil) stays ended.
			m.tunnels[name] = st
		}
		m.dropSignIns(name)
		if e := explain(name, err); e != nil {
			// ServiceDown itself is the watch's to say: it alone knows
			// when the service is back.
			m.raiseLocked(e)
		}
		m.mu.Unlock()
		m.changed()
	}()
}

// Disconnect stops the tunnel name in the background.
func (m *Model) Disconnect(name string) {
	m.spawn(func() {
		ctx, cancel := context.WithTimeout(m.ctx, 20*time.Second)
		defer cancel()
		if err := m.b.Disconnect(ctx, name); err != nil {
			if e := explain(name, err); e != nil {
				m.setError(e)
			}
		}
	})
}

// spawn runs f in a goroutine that Close waits for, unless the Model is
// closed already.
func (m *Model) spawn(f func()) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.wg.Add(1)
	m.mu.Unlock()
	go func() {
		defer m.wg.Done()
		f()
	}()
}

// Cancel gives up connecting name: a waiting sign-in is declined (the
// service hears api.ReasonCanceled), and the connect is stopped. A tunnel
// this app did not start (reconnecting, or started from the CLI) is
// disconnected.
func (m *Model) Cancel(name string) {
	m.mu.Lock()
	var dialog, browser *pendingSignIn
	for _, s := range m.signIns {
		if s.Profile != name {
			continue
		}
		if s.reply != nil && dialog == nil {
			dialog = s
		} else if s.reply == nil && browser == nil {
			browser = s
		}
	}
	stop, ours := m.attempts[name]
	m.mu.Unlock()
	switch {
	case dialog != nil:
		// The Asker's error makes usersession decline with ReasonCanceled.
		m.CancelSignIn(dialog.ID)
	case browser != nil:
		m.CancelSignIn(browser.ID)
	case ours:
		stop(errCanceledByUser)
	default:
		m.Disconnect(name)
	}
}

func sortedKeys(m map[string]*api.Status) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
