package service_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
)

// childRoles are the parts of this test binary that a test runs as another
// uid (testenv.ChildAs): the unprivileged callers of the security tests.
// Files add theirs with registerRole from an init function, so no file
// needs to edit this one.
var childRoles = map[string]func(args []string) int{}

func registerRole(name string, fn func(args []string) int) {
	if _, dup := childRoles[name]; dup {
		panic("service tests: two child roles named " + name)
	}
	childRoles[name] = fn
}

func TestMain(m *testing.M) {
	testenv.DispatchChild(childRoles)
	os.Exit(mainNoLeaks(m))
}

// mainNoLeaks is testenv.MainNoLeaks minus goroutines that are not ours:
// lumberjack v2.2.1 starts a mill goroutine per Logger that Close never
// stops (every test service opens a log directory), and `go test -fuzz`
// leaves os/signal's loop running.
func mainNoLeaks(m *testing.M) int {
	before := runtime.NumGoroutine()
	code := m.Run()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, stacks := ourGoroutines()
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

func ourGoroutines() (int, string) {
	buf := make([]byte, 1<<20)
	all := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")
	var ours []string
	for _, g := range all {
		lumberjack := strings.Contains(g, "lumberjack") && strings.Contains(g, "millRun")
		if !lumberjack && !strings.Contains(g, "os/signal.loop") {
			ours = append(ours, g)
		}
	}
	return len(ours), strings.Join(ours, "\n\n")
}
