package usersession

import (
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// The GUI links this package, and it runs as the user: it must not link
// the engine.
func TestNoEngineDependencies(t *testing.T) { testenv.CheckNoDeps(t, testenv.EngineFree) }
