//go:build !linux

package netcfg

import "flag"

// update is defined in golden_linux_test.go on Linux; elsewhere the
// Windows golden test needs it too.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")
