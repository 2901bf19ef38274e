//go:build cgo

package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
)

// appID names the app to the OS: Fyne keys its preferences and desktop
// notifications by it.
const appID = "com.cvpn.gui"

// newFyneApp is Fyne's desktop driver: a window, OpenGL and a system tray.
func newFyneApp() (fyne.App, error) { return app.NewWithID(appID), nil }
