//go:build !cgo

package main

import (
	"errors"

	"fyne.io/fyne/v2"
)

// newFyneApp fails: without cgo there is no OpenGL or windowing system.
// This file keeps the command buildable (and vetted) with CGO_ENABLED=0.
func newFyneApp() (fyne.App, error) {
	return nil, errors.New("this cvpn-gui was built without cgo and cannot open windows: build it with CGO_ENABLED=1 (make gui), or use the cvpn command line")
}
