// Package keyringtest gives a test a private Secret Service: a D-Bus
// session bus of its own and an unlocked gnome-keyring-daemon (the secrets
// component only) in a temporary HOME and XDG_RUNTIME_DIR, stopped when the
// test ends.
//
// godbus keeps one session-bus connection per process, chosen from
// DBUS_SESSION_BUS_ADDRESS on first use, so code under test reaches the
// session from a child process started with Session.Env, never from the
// test process itself. The test keeps its own connection (Session.Conn) to
// check what the keyring holds.
//
// Like internal/testenv, a missing dbus-daemon or gnome-keyring-daemon
// skips the test on a developer machine and fails it under CI=true. The
// session exists on Linux only: its code is in _linux.go files, and this
// file keeps the package buildable everywhere.
package keyringtest
