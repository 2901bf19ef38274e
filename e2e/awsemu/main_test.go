package awsemu_test

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// TestMain fails the package when a test leaves goroutines running: the
// emulator starts several per server and one per session, which must all
// end with Close.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before && code == 0 {
		buf := make([]byte, 1<<16)
		fmt.Fprintf(os.Stderr, "%d goroutines left running (%d before):\n%s\n", n, before, bytes.TrimSpace(buf[:runtime.Stack(buf, true)]))
		code = 1
	}
	os.Exit(code)
}
