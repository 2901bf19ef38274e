package autostart

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// macOS runs the user's launch agents at login: a property list in
// ~/Library/LaunchAgents whose RunAtLoad starts the program once.

const agentLabel = "com.cvpn.gui"

func agentFile() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the home directory: %w", err)
	}
	return filepath.Join(home, "Library", "LaunchAgents", agentLabel+".plist"), nil
}

func enable(exe string) error {
	path, err := agentFile()
	if err != nil {
		return err
	}
	return writeEntry(path, agentPlist(exe))
}

// agentPlist is the launch agent that runs exe --tray once at login.
func agentPlist(exe string) string {
	var esc strings.Builder
	_ = xml.EscapeText(&esc, []byte(exe))
	return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + agentLabel + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>` + esc.String() + `</string>
		<string>` + TrayFlag + `</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
</dict>
</plist>
`
}

func disable() error {
	path, err := agentFile()
	if err != nil {
		return err
	}
	return removeEntry(path)
}

func enabled() (bool, error) {
	path, err := agentFile()
	if err != nil {
		return false, err
	}
	return entryExists(path)
}
