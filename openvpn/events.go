package openvpn

import (
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/cvpn/cvpn/openvpn/push"
)

// Event is something a Session reports: *StateChange, *Warning,
// *AuthFailure or *Info. Events arrive in order on Session.Events; the
// channel is closed once the session has stopped.
type Event interface {
	fmt.Stringer
	event()
}

// StateChange is one edge of the state machine (see CanTransition), or,
// when From == To, a new Detail of the current state (why it waits).
type StateChange struct {
	Time     time.Time
	From, To State
	// Detail says why, in a few words ("ping-restart", "server sent
	// RESTART", "resolving vpn.example.com").
	Detail string
	// Remote is the server being tried or in use, once known.
	Remote netip.AddrPort
	// Proto is "udp" or "tcp".
	Proto string
	// Attempt counts connection attempts since the last successful one,
	// starting at 1.
	Attempt int
	// Connection is set on the change to StateConnected.
	Connection *ConnectionInfo
	// Err is the error that caused a change to StateReconnecting or
	// StateDisconnected, nil otherwise.
	Err error
}

// ConnectionInfo describes an established tunnel.
type ConnectionInfo struct {
	Remote netip.AddrPort
	Proto  string
	// Cipher is the data-channel cipher, e.g. AES-256-GCM.
	Cipher string
	// KeyDerivation is "tls-ekm" or "prf".
	KeyDerivation string
	// IPv4 and IPv6 are the pushed tunnel addresses (invalid if none).
	IPv4, IPv6 netip.Prefix
	// TLSVersion is the control channel's TLS version, e.g. "TLS 1.3".
	TLSVersion string
}

// Warning is something the user or an administrator may want to know that
// does not stop the session (an unknown pushed option, a dropped packet
// burst, a failed renegotiation that will be retried).
type Warning struct {
	Time    time.Time
	Message string
}

// AuthFailure reports that the server refused our credentials, with its
// reason. Retrying tells whether the session tries again (auth-retry, an
// expired auth-token, a temporary failure) or stops.
type AuthFailure struct {
	Time     time.Time
	Kind     push.AuthFailKind
	Reason   string
	Retrying bool
}

// Info is an INFO or INFO_PRE message from the server, for display.
type Info struct {
	Time time.Time
	Text string
}

func (*StateChange) event() {}
func (*Warning) event()     {}
func (*AuthFailure) event() {}
func (*Info) event()        {}

func (e *StateChange) String() string {
	s := e.To.String()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (w *Warning) String() string { return "warning: " + w.Message }

func (a *AuthFailure) String() string {
	s := "authentication failed"
	if a.Reason != "" {
		s += ": " + a.Reason
	}
	if a.Retrying {
		s += " (retrying)"
	}
	return s
}

func (i *Info) String() string { return "server info: " + i.Text }

// eventQueue delivers events in order without ever blocking the engine on
// a slow reader: events wait in a slice (they are few: state changes, not
// packets) and one goroutine, started by the first call to channel, feeds
// the channel. Until someone asks for the channel only the newest
// maxUnread events are kept.
type eventQueue struct {
	mu      sync.Mutex
	q       []Event
	closed  bool
	started bool
	wake    chan struct{}
	out     chan Event
}

const maxUnread = 256

func newEventQueue() *eventQueue {
	return &eventQueue{wake: make(chan struct{}, 1), out: make(chan Event, 16)}
}

func (e *eventQueue) push(ev Event) {
	e.mu.Lock()
	if !e.closed {
		e.q = append(e.q, ev)
		if !e.started && len(e.q) > maxUnread {
			e.q = append(e.q[:0], e.q[len(e.q)-maxUnread:]...)
		}
	}
	e.mu.Unlock()
	e.signal()
}

func (e *eventQueue) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// channel returns the channel, starting delivery on first use. A caller
// that takes the channel must read it until it is closed.
func (e *eventQueue) channel() <-chan Event {
	e.mu.Lock()
	if !e.started {
		e.started = true
		go e.run()
	}
	e.mu.Unlock()
	return e.out
}

// close delivers what is queued, then closes the channel.
func (e *eventQueue) close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.signal()
}

func (e *eventQueue) run() {
	defer close(e.out)
	for {
		e.mu.Lock()
		q, closed := e.q, e.closed
		e.q = nil
		e.mu.Unlock()
		for _, ev := range q {
			e.out <- ev
		}
		if len(q) > 0 {
			continue
		}
		if closed {
			return
		}
		<-e.wake
	}
}
