package profile

import (
	"os"
	"path/filepath"
)

// managedDir is where administrators put preconfigured profiles on Windows:
// %ProgramData%\cvpn\profiles, writable only by administrators.
func managedDir() string {
	pd := os.Getenv("ProgramData")
	if pd == "" {
		pd = `C:\ProgramData`
	}
	return filepath.Join(pd, "cvpn", "profiles")
}
