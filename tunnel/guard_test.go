package tunnel_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/tunnel/tunneltest"
)

// violation is a Guard error that refuses outright, like a second user.
type violation struct{}

func (violation) Error() string   { return "2 users are logged in" }
func (violation) Violation() bool { return true }

// TestWatchGuardRule: a violation ends the tunnel at the first check; a
// failed check is tolerated until MaxGuardFailures of them come in a row.
func TestWatchGuardRule(t *testing.T) {
	broken := errors.New("read utmp: short read")
	tests := []struct {
		name    string
		results []error // per check, the last one repeating
		ends    bool    // the tunnel must end
		checks  int     // checks made when it ends, or at least this many while it stays
		reason  string
	}{
		{"violation at once", []error{violation{}}, true, 1, "2 users are logged in"},
		{"hiccups between good checks", []error{broken, broken, nil, broken, broken, nil}, false, 8, ""},
		{"a check that stays broken", []error{nil, broken}, true, 1 + tunnel.MaxGuardFailures, "cannot tell who is logged in (3 checks in a row failed): read utmp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			check := make(chan int32, 100)
			guard := func(context.Context) error {
				n := calls.Add(1)
				defer func() { check <- n }()
				if n == 1 {
					return nil // Connect's own check
				}
				i := min(int(n)-2, len(tt.results)-1)
				return tt.results[i]
			}
			o := tunneltest.NewOS()
			m, _ := newTestManager(t, o, func(c *tunnel.Config) { c.Guard = guard })
			tn, err := m.Connect(context.Background(), tunnel.Request{Profile: tunneltest.Profile("a")})
			if err != nil {
				t.Fatal(err)
			}
			<-check
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go m.WatchGuard(ctx, time.Millisecond)
			if !tt.ends {
				for n := int32(0); n < int32(tt.checks)+1; n = <-check {
				}
				select {
				case <-tn.Done():
					t.Fatalf("the tunnel ended: %v", tn.Err())
				default:
				}
				return
			}
			select {
			case <-tn.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("the tunnel stayed up")
			}
			if got := int(calls.Load()) - 1; got != tt.checks {
				t.Errorf("ended after %d watch checks, want %d", got, tt.checks)
			}
			if tn.Err() == nil || !strings.Contains(tn.Err().Error(), tt.reason) {
				t.Errorf("tunnel ended with %v, want %q", tn.Err(), tt.reason)
			}
		})
	}
}
