package credstore

import (
	"errors"
	"fmt"
	"testing"

	dbus "github.com/godbus/dbus/v5"
)

func TestDiagnoseSecretService(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		noBus   bool // DBUS_SESSION_BUS_ADDRESS unset
		want    string
		wantAny bool // want some non-empty reason
	}{
		{name: "no daemon", err: dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown"}, want: "no Secret Service (keyring daemon such as gnome-keyring) is running in this session"},
		{name: "activation failed", err: &dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited"}, want: "no Secret Service (keyring daemon such as gnome-keyring) is running in this session"},
		{name: "locked", err: fmt.Errorf("wrapped: %w", dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"}), want: "the keyring is locked"},
		{name: "no default collection", err: dbus.Error{Name: "org.freedesktop.Secret.Error.NoSuchObject"}, want: "the Secret Service has no default (login) keyring"},
		{name: "prompt dismissed", err: errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), want: "the keyring is locked and was not unlocked"},
		{name: "other D-Bus error", err: dbus.Error{Name: "org.freedesktop.DBus.Error.InvalidArgs"}, want: ""},
		{name: "bus unreachable", err: errors.New("dial unix /run/user/1000/bus: connect: connection refused"), want: "cannot use the D-Bus session bus: dial unix /run/user/1000/bus: connect: connection refused"},
		{name: "no bus address", err: errors.New(`exec: "dbus-launch": executable file not found in $PATH`), noBus: true,
			want: `no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set; over ssh or sudo there is usually none): exec: "dbus-launch": executable file not found in $PATH`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.noBus {
				t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
			} else {
				t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")
			}
			if got := diagnoseSecretService(tt.err); got != tt.want {
				t.Errorf("diagnose(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}
