package userguard

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/godbus/dbus/v5"
)

func TestLogindToSession(t *testing.T) {
	base := logindSession{ID: "3", User: "alice", UID: 1000, Class: "user", State: "active", Leader: 1234}
	with := func(f func(*logindSession)) logindSession { ls := base; f(&ls); return ls }
	tests := []struct {
		name string
		in   logindSession
		want Session // zero: skipped
	}{
		{name: "wayland desktop", in: with(func(s *logindSession) { s.Type, s.Seat, s.TTY = "wayland", "seat0", "tty2" }),
			want: Session{User: "alice", UID: 1000, TTY: "tty2", Kind: KindGraphical, PID: 1234}},
		{name: "x11 desktop without tty", in: with(func(s *logindSession) { s.Type, s.Seat, s.Display = "x11", "seat0", ":0" }),
			want: Session{User: "alice", UID: 1000, TTY: "seat0", Host: ":0", Kind: KindGraphical, PID: 1234}},
		{name: "mir", in: with(func(s *logindSession) { s.Type, s.Seat = "mir", "seat0" }),
			want: Session{User: "alice", UID: 1000, TTY: "seat0", Kind: KindGraphical, PID: 1234}},
		{name: "text console", in: with(func(s *logindSession) { s.Type, s.Seat, s.TTY = "tty", "seat0", "tty3" }),
			want: Session{User: "alice", UID: 1000, TTY: "tty3", Kind: KindConsole, PID: 1234}},
		{name: "tty without seat", in: with(func(s *logindSession) { s.Type, s.TTY = "tty", "pts/4" }),
			want: Session{User: "alice", UID: 1000, TTY: "pts/4", Kind: KindTerminal, PID: 1234}},
		{name: "ssh", in: with(func(s *logindSession) { s.Type, s.TTY, s.Remote, s.RemoteHost = "tty", "pts/0", true, "192.0.2.8" }),
			want: Session{User: "alice", UID: 1000, TTY: "pts/0", Host: "192.0.2.8", Kind: KindRemote, PID: 1234}},
		{name: "remote desktop is remote", in: with(func(s *logindSession) { s.Type, s.Display, s.Remote, s.RemoteHost = "x11", ":10", true, "rdp.example" }),
			want: Session{User: "alice", UID: 1000, Host: "rdp.example", Kind: KindRemote, PID: 1234}},
		{name: "ssh without pty", in: with(func(s *logindSession) { s.Type, s.Remote = "unspecified", true }),
			want: Session{User: "alice", UID: 1000, Kind: KindRemote, PID: 1234}},
		{name: "unspecified local", in: with(func(s *logindSession) { s.Type = "unspecified" }),
			want: Session{User: "alice", UID: 1000, Kind: KindUnknown, PID: 1234}},
		{name: "root early at boot", in: with(func(s *logindSession) {
			s.User, s.UID, s.Class, s.Type, s.Seat, s.TTY = "root", 0, "user-early", "tty", "seat0", "tty1"
		}),
			want: Session{User: "root", UID: 0, TTY: "tty1", Kind: KindConsole, PID: 1234}},
		{name: "user-light", in: with(func(s *logindSession) { s.Class, s.Type, s.Remote = "user-light", "tty", true }),
			want: Session{User: "alice", UID: 1000, Kind: KindRemote, PID: 1234}},
		{name: "login in progress", in: with(func(s *logindSession) {
			s.Class, s.State, s.Type, s.Seat = "user-incomplete", "opening", "tty", "seat0"
		}),
			want: Session{User: "alice", UID: 1000, TTY: "seat0", Kind: KindConsole, PID: 1234}},
		{name: "greeter", in: with(func(s *logindSession) { s.User, s.Class, s.Type, s.Seat = "gdm", "greeter", "wayland", "seat0" })},
		{name: "lock screen", in: with(func(s *logindSession) { s.Class = "lock-screen" })},
		{name: "cron", in: with(func(s *logindSession) { s.Class = "background" })},
		{name: "background-light", in: with(func(s *logindSession) { s.Class = "background-light" })},
		{name: "user manager", in: with(func(s *logindSession) { s.Class = "manager" })},
		{name: "root user manager", in: with(func(s *logindSession) { s.Class = "manager-early" })},
		{name: "userish but not user", in: with(func(s *logindSession) { s.Class = "username" })},
		{name: "closing", in: with(func(s *logindSession) { s.State, s.Type, s.Seat = "closing", "wayland", "seat0" })},
		{name: "no name", in: with(func(s *logindSession) { s.User = "" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := logindToSession(tt.in)
			if wantOK := tt.want != (Session{}); ok != wantOK || got != tt.want {
				t.Errorf("logindToSession = %+v, %v; want %+v, %v", got, ok, tt.want, wantOK)
			}
		})
	}
}

// logindProps builds the a{sv} GetAll returns for a session, with the
// D-Bus types logind uses: User (uo), Seat (so), Leader u, Remote b.
func logindProps(name string, uid uint32, seat, tty, typ, class, state string, remote bool, host string) map[string]dbus.Variant {
	seatPath := dbus.ObjectPath("/") // logind's "no seat"
	if seat != "" {
		seatPath = dbus.ObjectPath("/org/freedesktop/login1/seat/" + seat)
	}
	return map[string]dbus.Variant{
		"Id":         dbus.MakeVariant("ignored"),
		"Name":       dbus.MakeVariant(name),
		"User":       dbus.MakeVariant([]any{uid, dbus.ObjectPath(fmt.Sprintf("/org/freedesktop/login1/user/_%d", uid))}),
		"Seat":       dbus.MakeVariant([]any{seat, seatPath}),
		"TTY":        dbus.MakeVariant(tty),
		"Display":    dbus.MakeVariant(""),
		"Remote":     dbus.MakeVariant(remote),
		"RemoteHost": dbus.MakeVariant(host),
		"Class":      dbus.MakeVariant(class),
		"Type":       dbus.MakeVariant(typ),
		"State":      dbus.MakeVariant(state),
		"Leader":     dbus.MakeVariant(uint32(4321)),
		"Active":     dbus.MakeVariant(true),
	}
}

func TestDecodeLogindSession(t *testing.T) {
	props := logindProps("alice", 1000, "seat0", "tty2", "wayland", "user", "active", false, "")
	got, err := decodeLogindSession("2", props)
	want := logindSession{ID: "2", User: "alice", UID: 1000, TTY: "tty2", Seat: "seat0", Class: "user", Type: "wayland", State: "active", Leader: 4321}
	if err != nil || got != want {
		t.Fatalf("decode = %+v, %v; want %+v", got, err, want)
	}

	minimal := map[string]dbus.Variant{"Name": props["Name"], "User": props["User"], "Class": props["Class"]}
	if got, err := decodeLogindSession("5", minimal); err != nil || got.User != "alice" || got.UID != 1000 {
		t.Errorf("minimal properties: %+v, %v", got, err)
	}

	broken := func(key string, v any) map[string]dbus.Variant {
		m := logindProps("alice", 1000, "seat0", "tty2", "wayland", "user", "active", false, "")
		if v == nil {
			delete(m, key)
		} else {
			m[key] = dbus.MakeVariant(v)
		}
		return m
	}
	bad := map[string]map[string]dbus.Variant{
		"Class missing":      broken("Class", nil),
		"Name missing":       broken("Name", nil),
		"User missing":       broken("User", nil),
		"Class not a string": broken("Class", uint32(1)),
		"User not a struct":  broken("User", uint32(1000)),
		"User uid as string": broken("User", []any{"1000", dbus.ObjectPath("/")}),
		"Seat short struct":  broken("Seat", []any{"seat0"}),
		"Remote as string":   broken("Remote", "yes"),
		"Leader signed":      broken("Leader", int32(1)),
	}
	for name, props := range bad {
		t.Run(name, func(t *testing.T) {
			if got, err := decodeLogindSession("9", props); err == nil {
				t.Errorf("decoded %+v, want an error", got)
			}
		})
	}
}

func TestDbusErrorIn(t *testing.T) {
	tests := []struct {
		err          error
		absent, gone bool
	}{
		{err: dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown"}, absent: true},
		{err: fmt.Errorf("logind list sessions: %w", dbus.Error{Name: "org.freedesktop.DBus.Error.NameHasNoOwner"}), absent: true},
		{err: &dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited"}, absent: true},
		{err: dbus.Error{Name: "org.freedesktop.DBus.Error.AccessDenied"}},
		{err: dbus.Error{Name: "org.freedesktop.DBus.Error.NoReply"}},
		{err: dbus.Error{Name: "org.freedesktop.DBus.Error.UnknownObject"}, gone: true},
		{err: dbus.Error{Name: "org.freedesktop.login1.NoSuchSession"}, gone: true},
		{err: context.DeadlineExceeded},
		{err: nil},
	}
	for _, tt := range tests {
		if got := dbusErrorIn(tt.err, logindAbsentErrors); got != tt.absent {
			t.Errorf("absent(%v) = %v, want %v", tt.err, got, tt.absent)
		}
		if got := dbusErrorIn(tt.err, logindGoneErrors); got != tt.gone {
			t.Errorf("gone(%v) = %v, want %v", tt.err, got, tt.gone)
		}
	}
}

func TestQueryLogindWithoutBus(t *testing.T) {
	refused := errors.New("dial unix /run/dbus/system_bus_socket: connect: no such file or directory")
	_, err := queryLogind(context.Background(), func(context.Context) (*dbus.Conn, error) { return nil, refused })
	if !isUnavailable(err) || !errors.Is(err, refused) {
		t.Errorf("connect failure = %v, want unavailable wrapping the dial error", err)
	}

	// The real dialer, pointed at a socket that does not exist.
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path="+t.TempDir()+"/no-bus")
	if _, err := logindSessions(context.Background()); !isUnavailable(err) {
		t.Errorf("no system bus: %v, want unavailable", err)
	}

	// A connection cut short by the caller is not "no logind": falling back
	// on it would let a slow bus pick the weaker backend.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = queryLogind(ctx, func(context.Context) (*dbus.Conn, error) { return nil, errors.New("EOF") })
	if isUnavailable(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled connect = %v, want context.Canceled and not unavailable", err)
	}
}
