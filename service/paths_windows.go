package service

import (
	"os"
	"path/filepath"
)

func programData() string {
	if d := os.Getenv("ProgramData"); d != "" {
		return d
	}
	return `C:\ProgramData`
}

func defaultStateDir() string { return filepath.Join(programData(), "cvpn", "state") }
func defaultLogDir() string   { return filepath.Join(programData(), "cvpn", "logs") }
