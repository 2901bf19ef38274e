package userguard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// systemd-logind's D-Bus API, see org.freedesktop.login1(5).
const (
	logindName         = "org.freedesktop.login1"
	logindPath         = dbus.ObjectPath("/org/freedesktop/login1")
	logindListSessions = "org.freedesktop.login1.Manager.ListSessions"
	logindSessionIface = "org.freedesktop.login1.Session"
	propertiesGetAll   = "org.freedesktop.DBus.Properties.GetAll"
)

// logindTimeout bounds one query, connection included, when the caller's
// context allows longer: a wedged bus must turn into an error for Watch to
// count, not into a check that never returns.
const logindTimeout = 5 * time.Second

// D-Bus errors that mean nobody on the bus provides logind (or it cannot be
// started), as opposed to logind refusing or failing the call.
var logindAbsentErrors = []string{
	"org.freedesktop.DBus.Error.ServiceUnknown",
	"org.freedesktop.DBus.Error.NameHasNoOwner",
	"org.freedesktop.DBus.Error.Spawn.", // prefix: activation failed
}

// D-Bus errors for a session object that went away between ListSessions and
// reading it: the user logged out, so it is correctly not counted.
var logindGoneErrors = []string{
	"org.freedesktop.DBus.Error.UnknownObject",
	"org.freedesktop.login1.NoSuchSession",
}

// logindSession is the part of an org.freedesktop.login1.Session the guard
// reads, decoded from D-Bus so the mapping to Session is a pure function.
type logindSession struct {
	ID         string
	User       string // Name
	UID        uint32 // User.uid
	TTY        string
	Seat       string // Seat.id
	Display    string
	Remote     bool
	RemoteHost string
	Class      string
	Type       string
	State      string
	Leader     uint32
}

// logindSessions lists sessions from logind on the system bus. No bus, or
// no logind on it, is reported as unavailable so NewSystemSource falls back
// to utmp; anything else is an error.
func logindSessions(ctx context.Context) ([]Session, error) {
	return queryLogind(ctx, func(ctx context.Context) (*dbus.Conn, error) {
		// A private connection (not dbus.SystemBus's shared one) so it can
		// be closed after each query; WithContext aborts the handshake when
		// ctx ends.
		return dbus.ConnectSystemBus(dbus.WithContext(ctx))
	})
}

func queryLogind(ctx context.Context, connect func(context.Context) (*dbus.Conn, error)) ([]Session, error) {
	ctx, cancel := context.WithTimeout(ctx, logindTimeout)
	defer cancel()
	conn, err := connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect to system bus: %w", ctx.Err())
		}
		return nil, unavailable(fmt.Errorf("connect to system bus: %w", err))
	}
	defer conn.Close()

	var refs []struct {
		ID   string
		UID  uint32
		User string
		Seat string
		Path dbus.ObjectPath
	}
	err = conn.Object(logindName, logindPath).CallWithContext(ctx, logindListSessions, 0).Store(&refs)
	if err != nil {
		err = fmt.Errorf("logind list sessions: %w", err)
		if dbusErrorIn(err, logindAbsentErrors) {
			return nil, unavailable(err)
		}
		return nil, err
	}
	var out []Session
	for _, ref := range refs {
		var props map[string]dbus.Variant
		err := conn.Object(logindName, ref.Path).CallWithContext(ctx, propertiesGetAll, 0, logindSessionIface).Store(&props)
		if dbusErrorIn(err, logindGoneErrors) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("logind session %s: read properties: %w", ref.ID, err)
		}
		ls, err := decodeLogindSession(ref.ID, props)
		if err != nil {
			return nil, fmt.Errorf("logind session %s: %w", ref.ID, err)
		}
		if s, ok := logindToSession(ls); ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// dbusErrorIn reports whether err carries a D-Bus error whose name is in
// names; a name ending in "." matches as a prefix.
func dbusErrorIn(err error, names []string) bool {
	var name string
	var v dbus.Error
	var p *dbus.Error
	switch {
	case errors.As(err, &v):
		name = v.Name
	case errors.As(err, &p):
		name = p.Name
	default:
		return false
	}
	for _, n := range names {
		if name == n || (strings.HasSuffix(n, ".") && strings.HasPrefix(name, n)) {
			return true
		}
	}
	return false
}

// decodeLogindSession reads the properties of one session. A property with
// an unexpected type is an error rather than a zero value, since a silently
// empty Class or Name would change who counts. Missing optional properties
// are zero; Name, User and Class are required.
func decodeLogindSession(id string, props map[string]dbus.Variant) (logindSession, error) {
	ls := logindSession{ID: id}
	for _, req := range []string{"Name", "User", "Class"} {
		if _, ok := props[req]; !ok {
			return ls, fmt.Errorf("decode properties: %s missing", req)
		}
	}
	var err error
	str := func(key string, dst *string) {
		if v, ok := props[key]; ok && err == nil {
			if s, ok := v.Value().(string); ok {
				*dst = s
			} else {
				err = fmt.Errorf("decode properties: %s is %s, want s", key, v.Signature())
			}
		}
	}
	// structField reads the first member of a (uo) or (so) struct.
	structField := func(key string, dst any) {
		v, ok := props[key]
		if !ok || err != nil {
			return
		}
		fields, ok := v.Value().([]any)
		if ok && len(fields) == 2 {
			switch d := dst.(type) {
			case *uint32:
				*d, ok = fields[0].(uint32)
			case *string:
				*d, ok = fields[0].(string)
			}
		}
		if !ok || len(fields) != 2 {
			err = fmt.Errorf("decode properties: %s has type %s", key, v.Signature())
		}
	}
	str("Name", &ls.User)
	structField("User", &ls.UID)
	str("TTY", &ls.TTY)
	structField("Seat", &ls.Seat)
	str("Display", &ls.Display)
	str("RemoteHost", &ls.RemoteHost)
	str("Class", &ls.Class)
	str("Type", &ls.Type)
	str("State", &ls.State)
	if v, ok := props["Remote"]; ok && err == nil {
		if ls.Remote, ok = v.Value().(bool); !ok {
			err = fmt.Errorf("decode properties: Remote has type %s", v.Signature())
		}
	}
	if v, ok := props["Leader"]; ok && err == nil {
		if ls.Leader, ok = v.Value().(uint32); !ok {
			err = fmt.Errorf("decode properties: Leader has type %s", v.Signature())
		}
	}
	return ls, err
}

// logindToSession maps a logind session to a Session, or reports false for
// sessions that are not a person's login.
//
// Counted classes are "user" and its variants ("user-early" for root at
// boot, "user-light" and "user-early-light" for sessions without a user
// service manager, "user-incomplete" for a login still in progress; systemd
// 256 and later): each is someone logging in. "greeter", "lock-screen",
// "background" (cron), "manager" (user@.service) and their variants are
// the system's own sessions. A session in state "closing" has logged out
// and only has leftover processes; "opening" still counts, fail closed.
func logindToSession(ls logindSession) (Session, bool) {
	if (ls.Class != "user" && !strings.HasPrefix(ls.Class, "user-")) || ls.State == "closing" || ls.User == "" {
		return Session{}, false
	}
	s := Session{User: ls.User, UID: int(ls.UID), TTY: ls.TTY, PID: int(ls.Leader)}
	if s.TTY == "" {
		s.TTY = ls.Seat
	}
	switch {
	case ls.Remote:
		s.Kind, s.Host = KindRemote, ls.RemoteHost
	case ls.Type == "x11" || ls.Type == "wayland" || ls.Type == "mir":
		s.Kind, s.Host = KindGraphical, ls.Display
	case ls.Type == "tty" && ls.Seat != "":
		s.Kind = KindConsole
	case ls.Type == "tty":
		s.Kind = KindTerminal // a local pty, e.g. machinectl login
	default:
		s.Kind = KindUnknown // "unspecified", "web": counted, but grants nothing
	}
	return s, true
}
