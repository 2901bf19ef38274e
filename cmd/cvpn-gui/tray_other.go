//go:build !linux

package main

// hasTrayHost is true: Windows' notification area and macOS's menu bar
// are always there.
func hasTrayHost() bool { return true }
