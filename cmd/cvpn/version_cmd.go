package main

import (
	"fmt"
	"runtime"
)

func (a *app) version(args []string) int {
	if len(args) != 0 {
		fmt.Fprintln(a.stderr, "Usage: cvpn version")
		return exitUsage
	}
	fmt.Fprintf(a.stdout, "cvpn %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}
