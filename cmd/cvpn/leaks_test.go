package main

import (
	"os"
	"testing"

	"github.com/cvpn/cvpn/internal/testenv"
)

// The CLI starts goroutines (the one-user watch of connect --foreground,
// the event follower); its tests must leave none running.
func TestMain(m *testing.M) {
	os.Exit(testenv.MainNoLeaks(m))
}
