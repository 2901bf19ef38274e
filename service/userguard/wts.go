package userguard

// Windows Terminal Services sessions, mapped in a file without a build tag
// so the rules are tested on any OS; source_windows.go does the calls.

// WTS_CONNECTSTATE_CLASS values that hold a logged-in user: Active is in
// use, Disconnected is an RDP or fast-user-switching session whose user is
// still logged in and can reconnect at any time, so it counts.
const (
	wtsActive       = 0
	wtsDisconnected = 4
)

// wtsSessionInfo is what source_windows.go reads about one session.
type wtsSessionInfo struct {
	ID         uint32
	Station    string // WinStationName: "Console", "RDP-Tcp#3", "Services"
	State      uint32
	User       string // WTSUserName
	Domain     string // WTSDomainName
	ClientName string // WTSClientName: the remote computer's name
	Protocol   uint16 // WTSClientProtocolType: 0 console, 1 ICA, 2 RDP
}

// wtsToSession maps one WTS session, or reports false when it holds no
// logged-in user (session 0 of services, listeners, the console before
// anyone logs on).
//
// The user is DOMAIN\name: two accounts with one name on different domains
// (or a local and a domain account) are different people. Kind is
// graphical for the console protocol and remote for RDP (and ICA), which
// is best effort for disconnected sessions, whose client details Windows
// may have cleared. The rule counts every kind. Windows accounts have SIDs,
// not numeric uids, so UID is -1 and LocalUIDs finds nobody here.
func wtsToSession(w wtsSessionInfo) (Session, bool) {
	if (w.State != wtsActive && w.State != wtsDisconnected) || w.User == "" {
		return Session{}, false
	}
	s := Session{User: w.User, UID: -1, TTY: w.Station}
	if w.Domain != "" {
		s.User = w.Domain + `\` + w.User
	}
	if w.Protocol != 0 {
		s.Kind, s.Host = KindRemote, w.ClientName
	} else {
		s.Kind = KindGraphical
	}
	return s, true
}
