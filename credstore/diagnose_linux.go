package credstore

import (
	"errors"
	"os"
	"strings"

	dbus "github.com/godbus/dbus/v5"
)

const fixHint = "install and unlock gnome-keyring (or another Secret Service such as KWallet or KeePassXC) in your desktop session, or connect without --remember"

// diagnose says why a go-keyring error means there is no usable keyring,
// or returns "" for other errors. It is a variable for tests.
var diagnose = diagnoseSecretService

// diagnoseSecretService reads go-keyring's Secret Service errors: a D-Bus
// error reply names what went wrong; anything else comes from connecting to
// the session bus, which go-keyring does first in every call.
func diagnoseSecretService(err error) string {
	name := ""
	var ev dbus.Error
	var ep *dbus.Error
	switch {
	case errors.As(err, &ev):
		name = ev.Name
	case errors.As(err, &ep):
		name = ep.Name
	}
	switch {
	case name == "org.freedesktop.DBus.Error.ServiceUnknown",
		name == "org.freedesktop.DBus.Error.NameHasNoOwner",
		strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn."):
		return "no Secret Service (keyring daemon such as gnome-keyring) is running in this session"
	case name == "org.freedesktop.Secret.Error.IsLocked":
		return "the keyring is locked"
	case name == "org.freedesktop.Secret.Error.NoSuchObject", name == "org.freedesktop.DBus.Error.UnknownObject":
		return "the Secret Service has no default (login) keyring"
	case name == "org.freedesktop.DBus.Error.NoReply", name == "org.freedesktop.DBus.Error.Timeout":
		return "the Secret Service did not answer"
	case name != "":
		return ""
	}
	// go-keyring's own error when an unlock prompt was dismissed or could
	// not be shown.
	if strings.HasPrefix(err.Error(), "failed to unlock correct collection") {
		return "the keyring is locked and was not unlocked"
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set; over ssh or sudo there is usually none): " + err.Error()
	}
	return "cannot use the D-Bus session bus: " + err.Error()
}
