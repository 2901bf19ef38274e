package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startCPUProfile is a hidden hook for performance work: with
// CVPN_CPUPROFILE=path in the environment, connect --foreground writes a
// pprof CPU profile of the whole run to path. It returns the function
// that ends the profile.
func startCPUProfile(stderr io.Writer) func() {
	path := os.Getenv("CVPN_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "warning: cpu profile: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(stderr, "warning: cpu profile: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "warning: cpu profile: %v\n", err)
		}
	}
}
