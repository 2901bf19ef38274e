package profile

import "os"

// ManagedDirEnv names the variable that replaces the managed profiles
// directory (tests and demos).
const ManagedDirEnv = "CVPN_MANAGED_DIR"

// DefaultManagedDir is where administrators put preconfigured profiles on
// this OS: /etc/cvpn/profiles, %ProgramData%\cvpn\profiles or
// /Library/Application Support/cvpn/profiles, or $CVPN_MANAGED_DIR. The
// service reads an always-on profile from here itself, since it has no
// user configuration directory.
func DefaultManagedDir() string {
	if d := os.Getenv(ManagedDirEnv); d != "" {
		return d
	}
	return managedDir()
}
