package main

import (
	"os"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// The CLI starts goroutines (the one-user watch of connect --foreground,
// the event follower); its tests must leave none running. os/signal's
// loop, which connect's first signal.Notify starts, lives as long as the
// process by design.
func TestMain(m *testing.M) {
	os.Exit(testenv.MainNoLeaksExcept(m, "os/signal.loop"))
}
