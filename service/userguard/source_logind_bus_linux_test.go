package userguard

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/cvpn/cvpn/internal/keyringtest"
)

// This file runs the logind source against a private dbus-daemon with a
// fake org.freedesktop.login1 on it, so the D-Bus calls themselves (method
// names, signatures, decoding) are tested without a system bus. Without
// dbus-daemon it skips on a laptop and fails under CI=true.

type fakeSessionRef struct {
	ID   string
	UID  uint32
	User string
	Seat string
	Path dbus.ObjectPath
}

type fakeManager struct {
	refs []fakeSessionRef
	err  *dbus.Error
}

func (m *fakeManager) ListSessions() ([]fakeSessionRef, *dbus.Error) {
	if m.err != nil {
		return nil, m.err
	}
	return m.refs, nil
}

// fakeProps answers org.freedesktop.DBus.Properties.GetAll for a session.
type fakeProps struct {
	props map[string]dbus.Variant
	err   *dbus.Error
}

func (p fakeProps) GetAll(iface string) (map[string]dbus.Variant, *dbus.Error) {
	if p.err != nil {
		return nil, p.err
	}
	if iface != logindSessionIface {
		return nil, dbus.NewError("org.freedesktop.DBus.Error.UnknownInterface", nil)
	}
	return wireProps(p.props), nil
}

// wireProps turns the decoded form of logindProps (structs as []any, as
// godbus hands them to decodeLogindSession) back into Go structs, which is
// what makes godbus send User as (uo) and Seat as (so) like logind does.
func wireProps(props map[string]dbus.Variant) map[string]dbus.Variant {
	out := make(map[string]dbus.Variant, len(props))
	for k, v := range props {
		if f, ok := v.Value().([]any); ok && len(f) == 2 {
			switch first := f[0].(type) {
			case uint32:
				v = dbus.MakeVariant(struct {
					UID  uint32
					Path dbus.ObjectPath
				}{first, f[1].(dbus.ObjectPath)})
			case string:
				v = dbus.MakeVariant(struct {
					ID   string
					Path dbus.ObjectPath
				}{first, f[1].(dbus.ObjectPath)})
			}
		}
		out[k] = v
	}
	return out
}

// startBus runs a private dbus-daemon (a CI failure, not a skip, when it is
// missing) and points the system bus address at it for the rest of the test.
func startBus(t *testing.T) string {
	t.Helper()
	s := keyringtest.StartBus(t)
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", s.Addr)
	return s.Addr
}

// serveLogind owns org.freedesktop.login1 on the bus with m and sessions.
func serveLogind(t *testing.T, addr string, m *fakeManager, sessions map[dbus.ObjectPath]fakeProps) {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("connect fake logind: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if err := conn.Export(m, logindPath, "org.freedesktop.login1.Manager"); err != nil {
		t.Fatal(err)
	}
	for path, p := range sessions {
		if err := conn.Export(p, path, "org.freedesktop.DBus.Properties"); err != nil {
			t.Fatal(err)
		}
	}
	reply, err := conn.RequestName(logindName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v, %v", logindName, reply, err)
	}
}

func TestLogindOverBus(t *testing.T) {
	addr := startBus(t)
	path := func(id string) dbus.ObjectPath { return dbus.ObjectPath("/org/freedesktop/login1/session/_3" + id) }
	m := &fakeManager{refs: []fakeSessionRef{
		{ID: "1", UID: 1000, User: "alice", Seat: "seat0", Path: path("1")},
		{ID: "c1", UID: 120, User: "gdm", Seat: "seat0", Path: path("c1")},
		{ID: "4", UID: 1001, User: "bob", Path: path("4")},
		{ID: "5", UID: 1002, User: "carol", Path: path("5")},
		{ID: "6", UID: 1003, User: "dave", Path: path("6")},
	}}
	serveLogind(t, addr, m, map[dbus.ObjectPath]fakeProps{
		path("1"):  {props: logindProps("alice", 1000, "seat0", "tty2", "wayland", "user", "active", false, "")},
		path("c1"): {props: logindProps("gdm", 120, "seat0", "tty1", "wayland", "greeter", "online", false, "")},
		path("4"):  {props: logindProps("bob", 1001, "", "pts/0", "tty", "user", "active", true, "192.0.2.7")},
		path("5"):  {props: logindProps("carol", 1002, "", "pts/1", "tty", "user", "closing", true, "192.0.2.8")},
		path("6"):  {err: dbus.NewError("org.freedesktop.DBus.Error.UnknownObject", []any{"gone"})}, // logged out meanwhile
	})

	src := NewSystemSource()
	sessions, err := src.Sessions(context.Background())
	if err != nil {
		t.Fatalf("Sessions: %v", err)
	}
	want := []Session{
		{User: "alice", UID: 1000, TTY: "tty2", Kind: KindGraphical, PID: 4321},
		{User: "bob", UID: 1001, TTY: "pts/0", Host: "192.0.2.7", Kind: KindRemote, PID: 4321},
	}
	if len(sessions) != len(want) {
		t.Fatalf("Sessions = %+v, want %+v", sessions, want)
	}
	for i := range want {
		if sessions[i] != want[i] {
			t.Errorf("session %d = %+v, want %+v", i, sessions[i], want[i])
		}
	}
	if src.Backend() != BackendLogind {
		t.Errorf("Backend = %q, want logind", src.Backend())
	}
	var tm *TooManyUsersError
	if err := Check(context.Background(), src); !errors.As(err, &tm) {
		t.Errorf("Check = %v, want alice and bob reported", err)
	}
}

func TestLogindOverBusFailsClosed(t *testing.T) {
	addr := startBus(t)
	tests := []struct {
		name    string
		m       *fakeManager
		session fakeProps
	}{
		{name: "list refused", m: &fakeManager{err: dbus.NewError("org.freedesktop.DBus.Error.AccessDenied", []any{"no"})}},
		{name: "properties refused",
			m:       &fakeManager{refs: []fakeSessionRef{{ID: "1", UID: 1000, User: "alice", Path: "/org/freedesktop/login1/session/_31"}}},
			session: fakeProps{err: dbus.NewError("org.freedesktop.DBus.Error.AccessDenied", []any{"no"})}},
		{name: "properties malformed",
			m:       &fakeManager{refs: []fakeSessionRef{{ID: "1", UID: 1000, User: "alice", Path: "/org/freedesktop/login1/session/_31"}}},
			session: fakeProps{props: map[string]dbus.Variant{"Name": dbus.MakeVariant("alice")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serveLogind(t, addr, tt.m, map[dbus.ObjectPath]fakeProps{"/org/freedesktop/login1/session/_31": tt.session})
			src := NewSystemSource()
			_, err := src.Sessions(context.Background())
			if err == nil || isUnavailable(err) {
				t.Fatalf("Sessions error = %v, want a hard error", err)
			}
			if src.Backend() != BackendLogind {
				t.Errorf("Backend = %q, want logind", src.Backend())
			}
			t.Log(err)
		})
	}
}

// A bus without logind on it is a machine without logind: fall back.
func TestLogindAbsentFromBus(t *testing.T) {
	startBus(t)
	_, err := logindSessions(context.Background())
	if !isUnavailable(err) {
		t.Fatalf("logindSessions = %v, want unavailable", err)
	}
	src := NewSystemSource()
	if _, err := src.Sessions(context.Background()); err != nil && !errors.Is(err, os.ErrPermission) {
		t.Logf("utmp fallback: %v", err)
	}
	if b := src.Backend(); b != BackendUtmp && b != BackendNone {
		t.Errorf("Backend = %q, want utmp or none", b)
	}
}
