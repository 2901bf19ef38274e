package viewmodel

import (
	"time"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/api"
)

// View is one consistent snapshot of everything the window and the tray
// draw. The Model hands out copies, so a view may keep one while the
// Model changes.
type View struct {
	Rows     []Row
	Selected string // a profile name, or "" when none
	// Primary is the one obvious action for the selected profile, and
	// PrimaryEnabled whether it can be taken now.
	Primary        Action
	PrimaryEnabled bool
	Tray           Tray
	// Error is the last failure with its fix; nil when there is none.
	Error *ErrorView
	// SignIn is the sign-in to show now (the oldest waiting); nil when
	// nobody is asked anything. Waiting counts all of them.
	SignIn  *SignIn
	Waiting int
	// ServiceDown: the service cannot be reached; Error says how to start it.
	ServiceDown bool
	// Forbidden says which changes to the profiles the administrator's
	// policy does not allow, each with the reason.
	Forbidden Forbidden
}

// Forbidden holds the policy's reasons against importing, editing
// (renaming) and removing profiles; "" where the change is allowed.
type Forbidden struct {
	Import, Edit, Remove string
}

// Row is one profile as the list and the details pane show it. The
// service's status fills in what only a running tunnel knows.
type Row struct {
	Name string
	// Managed profiles come from the administrator: marked and locked.
	Managed bool
	// Unstored: a tunnel of a profile not in the store (connected from a
	// file with the CLI); it can be disconnected, nothing else.
	Unstored bool
	// Path is the stored profile's file, which Check reads ("" for an
	// unstored tunnel).
	Path string
	// Problem is why a stored profile cannot be used ("" when it can).
	Problem string
	State   api.State // api.StateDisconnected when there is no tunnel
	Detail  string    // the service's words about the state
	// Connecting: this app is connecting it (the service may not have
	// said so yet).
	Connecting bool
	Address    string // IPv4, and IPv6 after a space
	// ConnectedSince is zero while not connected.
	ConnectedSince time.Time
	BytesIn        uint64
	BytesOut       uint64
	Cipher         string
	Endpoint       string // host:port in use, else the profile's first
	Transport      string // udp or tcp
	AuthMode       string
	// DNS is the name resolution the tunnel set, in words (api.Status.DNS);
	// empty when it set none.
	DNS string
}

// Locked reports whether the row may not be renamed or removed.
func (r Row) Locked() bool { return r.Managed || r.Unstored }

// Busy reports whether the tunnel is on its way up (or back up).
func (r Row) Busy() bool {
	if r.Connecting {
		return true
	}
	switch r.State {
	case api.StateIdle, api.StateConnected, api.StateDisconnected, "":
		return false
	}
	return true
}

// Action is what the primary button does.
type Action int

// Actions.
const (
	ActionConnect Action = iota
	ActionDisconnect
	ActionCancel
)

func (a Action) String() string {
	return [...]string{"connect", "disconnect", "cancel"}[a]
}

// Tray is the tray icon's summary of every tunnel.
type Tray int

// Tray states. Connected wins over connecting: a tunnel is up, which is
// what the icon must not hide.
const (
	TrayDisconnected Tray = iota
	TrayConnecting
	TrayConnected
)

func (t Tray) String() string {
	return [...]string{"disconnected", "connecting", "connected"}[t]
}

// rowFor merges a stored profile with its tunnel's status (nil: none).
func rowFor(e profile.Entry, st *api.Status, connecting bool) Row {
	r := Row{Name: e.Name, Managed: e.Managed, Path: e.Path, Problem: e.Problem, State: api.StateDisconnected,
		Connecting: connecting, AuthMode: e.Auth.String()}
	if len(e.Remotes) > 0 {
		r.Endpoint, r.Transport = e.Remotes[0].String(), e.Remotes[0].Proto
	}
	if st == nil {
		return r
	}
	r.State, r.Detail, r.Cipher, r.DNS = st.State, st.Detail, st.Cipher, st.DNS
	if r.State == "" {
		r.State = api.StateDisconnected
	}
	if st.AuthMode != "" {
		r.AuthMode = st.AuthMode
	}
	if st.Remote != "" {
		r.Endpoint, r.Transport = st.Remote, st.Proto
	}
	r.Address = st.IPv4
	if st.IPv6 != "" {
		if r.Address != "" {
			r.Address += " "
		}
		r.Address += st.IPv6
	}
	if st.ConnectedSince != nil && st.State == api.StateConnected {
		r.ConnectedSince = *st.ConnectedSince
	}
	r.BytesIn, r.BytesOut = st.RxBytes, st.TxBytes
	return r
}

// primary is the action for row and whether it can be taken.
func primary(r *Row, serviceDown bool) (Action, bool) {
	switch {
	case r == nil:
		return ActionConnect, false
	case r.Busy():
		return ActionCancel, true
	case r.State == api.StateConnected:
		return ActionDisconnect, !serviceDown
	}
	return ActionConnect, r.Problem == "" && !r.Unstored && !serviceDown
}

// ActionFor is what acting on row r does now, and whether it can: the
// same rule as the primary button, so the tray's menu offers for each
// profile exactly what the window would.
func (v View) ActionFor(r Row) (Action, bool) { return primary(&r, v.ServiceDown) }

// summary is the tray state of rows.
func summary(rows []Row) Tray {
	t := TrayDisconnected
	for _, r := range rows {
		switch {
		case r.State == api.StateConnected:
			return TrayConnected
		case r.Busy():
			t = TrayConnecting
		}
	}
	return t
}

// Ticking reports whether the view must redraw once a second by itself
// (the connected time, a sign-in's time left); when nothing runs it need
// not, and the idle app wakes for nothing.
func (v View) Ticking() bool {
	if v.SignIn != nil && !v.SignIn.Deadline.IsZero() {
		return true
	}
	for _, r := range v.Rows {
		if !r.ConnectedSince.IsZero() {
			return true
		}
	}
	return false
}
