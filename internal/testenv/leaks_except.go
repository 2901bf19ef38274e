package testenv

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// MainNoLeaksExcept is MainNoLeaks for packages whose tests start
// goroutines that live as long as the process by design and are not
// theirs to stop: os/signal's loop after the first Notify, lumberjack's
// mill goroutine, which Logger.Close never ends (v2.2.1), or a
// process-wide signal hook. A goroutine whose stack contains any of known
// is not counted, before or after.
func MainNoLeaksExcept(m *testing.M, known ...string) int {
	before, _ := countGoroutines(known)
	code := m.Run()
	if fuzzing() {
		return code
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, stacks := countGoroutines(known)
		if n <= before {
			return code
		}
		if time.Now().After(deadline) {
			if code == 0 {
				fmt.Fprintf(os.Stderr, "%d goroutines left running (%d before):\n%s\n", n, before, stacks)
				code = 1
			}
			return code
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// countGoroutines counts the goroutines whose stacks contain none of
// known, and returns their stacks.
func countGoroutines(known []string) (int, string) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var ours []string
	for _, g := range strings.Split(string(bytes.TrimSpace(buf)), "\n\n") {
		if !containsAny(g, known) {
			ours = append(ours, g)
		}
	}
	return len(ours), strings.Join(ours, "\n\n")
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
