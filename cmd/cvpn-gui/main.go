// Command cvpn-gui is the desktop app: the main window, the tray, sign-in
// dialogs, logs and settings (ui/desktop) over the app's state
// (ui/viewmodel), which drives tunnels only through the cvpn service's
// local API. Closing the window keeps the app in the tray; Quit ends the
// app, never a tunnel.
//
// Fyne's desktop driver needs cgo (OpenGL and the windowing system), so
// this command is the one binary built with CGO_ENABLED=1 (make gui). The
// wiring lives in gui.go, which builds without cgo, so the headless tests
// run it over Fyne's test driver and a real service socket.
package main

import (
	"fmt"
	"os"
)

// version and build are set at link time: -X main.version=… -X main.build=….
var (
	version = "dev"
	build   = ""
)

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stdout)
	if err != nil {
		if err == errHelpShown {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "cvpn-gui:", err)
		os.Exit(2)
	}
	os.Exit(run(cfg, os.Stderr))
}
