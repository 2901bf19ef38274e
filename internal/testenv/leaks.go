package testenv

import (
	"bytes"
	"flag"
	"runtime"
	"testing"
	"time"
)

// GoroutinesLeft waits up to within for the number of goroutines to fall
// back to before, and returns how many there are then, with every
// goroutine's stack when that is more than before.
func GoroutinesLeft(before int, within time.Duration) (n int, stacks string) {
	deadline := time.Now().Add(within)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n = runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		stacks = string(bytes.TrimSpace(buf[:runtime.Stack(buf, true)]))
	}
	return n, stacks
}

// MainNoLeaks runs a package's tests (m.Run, for TestMain) and fails the
// package when they leave goroutines running 5 s after they ended. It
// returns the exit code. See MainNoLeaksExcept for goroutines that are
// not the package's to stop.
func MainNoLeaks(m *testing.M) int { return MainNoLeaksExcept(m) }

// fuzzing reports whether this is a `go test -fuzz` run, whose engine
// keeps its own goroutines (a signal watcher) past m.Run.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}
