//go:build !linux && !darwin && !windows

package profile

// managedDir follows the Linux layout on other Unix systems.
func managedDir() string { return "/etc/cvpn/profiles" }
