package main

import (
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// The settings command reuses ui/viewmodel's SettingsModel; the CLI runs
// on machines without a display and must not link the GUI toolkit.
func TestNoFyneDependencies(t *testing.T) { testenv.CheckNoDeps(t, []string{"fyne.io/fyne/v2"}) }
