package viewmodel

import (
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// The view-model is tested without a window and linked by the GUI: it
// must link neither Fyne (that is the views' business) nor the engine.
func TestNoEngineOrFyneDependencies(t *testing.T) {
	testenv.CheckNoDeps(t, append(append([]string(nil), testenv.EngineFree...), "fyne.io/fyne/v2"))
}
