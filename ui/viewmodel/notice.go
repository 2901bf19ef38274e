package viewmodel

import (
	"github.com/cvpn/cvpn/service/api"
)

// Desktop notifications are edges, not states: the view cannot tell from
// two Views whether a tunnel came up, so the Model says so once, when it
// happens — never for tunnels that were already up when the app started
// (the event stream's opening replay).

// NoticeKind says what a Notice reports.
type NoticeKind int

// Notice kinds.
const (
	NoticeConnected NoticeKind = iota
	NoticeDisconnected
	// NoticeFailed: the tunnel ended for a reason; Text has the fix.
	NoticeFailed
	// NoticeWarning: the service warns (a route put back, the session
	// ending soon, another user logged in); the tunnel goes on.
	NoticeWarning
)

// Notice is one desktop notification.
type Notice struct {
	Kind    NoticeKind
	Profile string // "" for the service's own notices
	Text    string
}

// OnNotice registers f, called once per notice from the Model's
// goroutines (the GUI wraps it with fyne.Do and sends a notification).
func (m *Model) OnNotice(f func(Notice)) {
	m.mu.Lock()
	m.onNotice = f
	m.mu.Unlock()
}

// noticeLocked records the notice ev is worth, given the tunnel's state
// before it (nil: unknown); mu is held, and flushNotices delivers.
func (m *Model) noticeLocked(ev *api.Event, old *api.Status) {
	_, ours := m.attempts[ev.Tunnel]
	known := old != nil
	var n *Notice
	switch {
	case ev.Kind == api.EventWarning || ev.Kind == api.EventNotice:
		if ev.Message != "" {
			n = &Notice{Kind: NoticeWarning, Profile: ev.Tunnel, Text: ev.Message}
		}
	case ev.Kind != api.EventState:
	case ev.State == api.StateConnected && (ours || known && old.State != api.StateConnected):
		n = &Notice{Kind: NoticeConnected, Profile: ev.Tunnel, Text: ev.Tunnel + " is connected"}
	case ev.State == api.StateDisconnected && ev.Reason != "" && ev.Reason != api.ReasonCanceled:
		n = &Notice{Kind: NoticeFailed, Profile: ev.Tunnel, Text: reasoned(ev.Tunnel, ev.Message, ev.Reason).Text()}
	case ev.State == api.StateDisconnected && known:
		n = &Notice{Kind: NoticeDisconnected, Profile: ev.Tunnel, Text: ev.Tunnel + " is disconnected"}
	}
	if n != nil && m.onNotice != nil {
		m.notices = append(m.notices, *n)
	}
}

// flushNotices delivers the recorded notices, in order, without mu held.
func (m *Model) flushNotices() {
	m.mu.Lock()
	q, f := m.notices, m.onNotice
	m.notices = nil
	m.mu.Unlock()
	for _, n := range q {
		f(n)
	}
}
