package service_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/cvpn/cvpn/service/client"
)

// What held when the service was tried under load, kept so: many callers
// at once are all answered, and streams end with the service.

func init() {
	registerRole("statuses", roleStatuses)
}

// roleStatuses asks the socket args[0] for status args[1] times at once,
// each over its own connection, and prints a resultLine per answer.
func roleStatuses(args []string) int {
	n, _ := strconv.Atoi(args[1])
	for _, l := range statuses(args[0], n) {
		fmt.Println(l)
	}
	return 0
}

// statuses asks sock for status n times at once and returns a resultLine
// per answer.
func statuses(sock string, n int) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lines := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := client.New(sock).Status(ctx)
			lines[i] = resultLine(err)
		}()
	}
	wg.Wait()
	return lines
}

// barrier holds each caller until n wait at once, then lets everyone
// through from then on: proof that n requests were in the service
// together.
type barrier struct {
	mu      sync.Mutex
	n       int
	waiting int
	open    chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, open: make(chan struct{})} }

func (b *barrier) wait(ctx context.Context) error {
	b.mu.Lock()
	if b.waiting++; b.waiting == b.n {
		close(b.open)
	}
	b.mu.Unlock()
	select {
	case <-b.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *barrier) opened() bool {
	select {
	case <-b.open:
		return true
	default:
		return false
	}
}

// Many status clients at once, root's and the console user's (as many as
// one user may hold connections), are all in the service together and
// all answered.
func TestManyStatusClientsAtOnce(t *testing.T) {
	user := testenv.Nobody
	tests := []struct {
		name string
		n    int
		ask  func(t *testing.T, as *allowedService, n int) []string
	}{
		{"root", 200, func(_ *testing.T, as *allowedService, n int) []string { return statuses(as.sock, n) }},
		{"console user", 32, func(t *testing.T, as *allowedService, n int) []string {
			out, err := testenv.ChildAs(t, user, user, "statuses", as.sock, strconv.Itoa(n)).Output()
			if err != nil {
				t.Fatalf("statuses: %v", err)
			}
			return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBarrier(tt.n)
			as := startAllowed(t, allowedOptions{console: []int{user}, sessions: b.wait})
			lines := tt.ask(t, as, tt.n)
			if len(lines) != tt.n {
				t.Fatalf("%d answers, want %d", len(lines), tt.n)
			}
			wantLines(t, "status", lines, "ok")
			if !b.opened() {
				t.Errorf("the %d requests were never in the service at once", tt.n)
			}
		})
	}
}

// A hundred open event streams, and a console user's, end when the service
// stops, and leave no handler running (TestMain checks the package for
// any other goroutine left).
func TestEventStreamsEndWhenServiceStops(t *testing.T) {
	const subscribers = 100
	as := startAllowed(t, allowedOptions{console: []int{testenv.Nobody}})
	ended := make(chan error, subscribers)
	for range subscribers {
		ev, err := client.New(as.sock).Events(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			defer ev.Close()
			for {
				if _, err := ev.Next(); err != nil {
					ended <- err
					return
				}
			}
		}()
	}
	console := startRole(t, testenv.Nobody, "events", as.sock)
	console.waitLine(t, 20*time.Second, "open stream", linePrefix("open"))

	as.stop()
	timeout := time.After(10 * time.Second)
	for i := range subscribers {
		select {
		case <-ended:
		case <-timeout:
			t.Fatalf("%d of %d event streams still open 10 s after the service stopped", subscribers-i, subscribers)
		}
	}
	console.waitLine(t, 10*time.Second, "the end of the console user's stream", linePrefix("ended"))
	for deadline := time.Now().Add(10 * time.Second); handlerStack(func(string) bool { return true }); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("an events handler still runs 10 s after the service stopped")
		}
	}
}
