package autostart

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The Linux entry follows the XDG Autostart specification, which GNOME,
// KDE, Xfce and the other desktops honour: a desktop entry in
// $XDG_CONFIG_HOME/autostart (~/.config/autostart by default).

// entryFile is the entry's path.
func entryFile() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) { // the spec says to ignore a relative one
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the home directory: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", "cvpn.desktop"), nil
}

func enable(exe string) error {
	path, err := entryFile()
	if err != nil {
		return err
	}
	return writeEntry(path, desktopEntry(exe))
}

// desktopEntry is the autostart entry that runs exe --tray.
func desktopEntry(exe string) string {
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=cvpn\n" +
		"Comment=Start the cvpn VPN client in the tray\n" +
		"Exec=" + execArg(exe) + " " + TrayFlag + "\n" +
		"Icon=cvpn\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

// execArg quotes exe for an Exec key: inside double quotes, the
// specification escapes ", `, $ and \ with a backslash, and the key's
// value escapes each backslash once more; a % is doubled for field codes.
func execArg(exe string) string {
	quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", `$`, `\$`).Replace(exe)
	quoted = strings.NewReplacer(`\`, `\\`, `%`, `%%`).Replace(quoted)
	return `"` + quoted + `"`
}

func disable() error {
	path, err := entryFile()
	if err != nil {
		return err
	}
	return removeEntry(path)
}

func enabled() (bool, error) {
	path, err := entryFile()
	if err != nil {
		return false, err
	}
	return entryExists(path)
}
