package profile

// managedDir is where administrators put preconfigured profiles on macOS.
func managedDir() string { return "/Library/Application Support/cvpn/profiles" }
