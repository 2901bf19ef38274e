package main

import (
	"os"
	"path/filepath"

	"github.com/godbus/dbus/v5"
)

// hasTrayHost says whether the desktop shows tray icons: on Linux, a
// StatusNotifierWatcher owns its name on the session bus (KDE, GNOME with
// the AppIndicator extension, XFCE, …). Without one the app's window is
// its only door.
func hasTrayHost() bool {
	addr := sessionBusAddr()
	if addr == "" {
		return false
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}

// sessionBusAddr is the session bus a desktop session has, or "": never
// dbus-launch's autolaunch, which would start a bus of its own.
func sessionBusAddr() string {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
		return a
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "bus")); err == nil {
			return "unix:path=" + filepath.Join(d, "bus")
		}
	}
	return ""
}
