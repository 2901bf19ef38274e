package profile

// managedDir is where administrators put preconfigured profiles on Linux.
func managedDir() string { return "/etc/cvpn/profiles" }
