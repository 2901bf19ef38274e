// Package autostart starts the desktop app when the user logs in, hidden
// in its tray (the --tray flag of cvpn-gui), by keeping the OS's own
// per-user entry for it: an XDG autostart file on Linux, a Run value in
// the user's registry on Windows, a launch agent on macOS. The OS's entry
// is the only record, so what Enabled reports is what will happen at the
// next login, even after the user removed the entry with the OS's tools.
package autostart

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// TrayFlag is the argument that starts cvpn-gui hidden in the tray.
const TrayFlag = "--tray"

// Enable starts exe (the absolute path of cvpn-gui) with TrayFlag at each
// login, replacing an entry that named another path.
func Enable(exe string) error {
	if err := checkExe(exe); err != nil {
		return fmt.Errorf("turn on start at login: %w", err)
	}
	if err := enable(exe); err != nil {
		return fmt.Errorf("turn on start at login: %w", err)
	}
	return nil
}

// Disable removes the entry; no entry is not an error.
func Disable() error {
	if err := disable(); err != nil {
		return fmt.Errorf("turn off start at login: %w", err)
	}
	return nil
}

// Enabled reports whether an entry exists.
func Enabled() (bool, error) {
	on, err := enabled()
	if err != nil {
		return false, fmt.Errorf("check start at login: %w", err)
	}
	return on, nil
}

// checkExe refuses what cannot be written into an entry as one path: a
// relative path would depend on the directory the session starts in.
func checkExe(exe string) error {
	switch {
	case exe == "":
		return errors.New("no program path given")
	case !filepath.IsAbs(exe):
		return fmt.Errorf("%q is not an absolute path; pass the program's full path", exe)
	case strings.ContainsAny(exe, "\x00\r\n"):
		return fmt.Errorf("%q holds a line break or NUL, which no entry can carry; move cvpn to a plain path", exe)
	}
	return nil
}
