package tunnel

import (
	"fmt"
	"sync"
	"time"
)

// EventKind says what an Event reports.
type EventKind string

// Event kinds.
const (
	EventState       EventKind = "state"        // a state change; Status is set
	EventStats       EventKind = "stats"        // periodic counters while connected; Status is set
	EventWarning     EventKind = "warning"      // something worth knowing that does not stop the tunnel
	EventAuthFailure EventKind = "auth-failure" // the server refused the credentials
	EventInfo        EventKind = "info"         // a message from the server
	EventLog         EventKind = "log"          // a diagnostic line (already redacted)
	EventNotice      EventKind = "notice"       // a message from the service itself (e.g. the user guard)
)

// Event is one thing that happened to a tunnel (or to the manager, when
// Tunnel is empty). The service turns it into the local API's event; the
// manager knows nothing of the API.
type Event struct {
	Time    time.Time
	Kind    EventKind
	Tunnel  string
	State   string
	Message string
	// Err is why the tunnel is reconnecting or ended, on the EventState
	// that says so; nil when the user asked for the end. The service
	// classifies it for the API (reason codes); Message is its text.
	Err    error
	Status *Status
}

// Bus fans events out to subscribers. Publishing never blocks: each
// subscriber has a buffer, and one that lets it fill loses the newest
// events (and is told so by a warning once it catches up) instead of
// stalling a tunnel.
type Bus struct {
	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	closed bool
	redact func(string) string
}

type subscriber struct {
	ch      chan Event
	dropped int
}

const subscriberBuffer = 512

func newBus() *Bus { return &Bus{subs: make(map[*subscriber]struct{})} }

// Subscribe returns a channel of events and a function that ends the
// subscription and closes the channel.
func (b *Bus) Subscribe() (<-chan Event, func()) {
	s := &subscriber{ch: make(chan Event, subscriberBuffer)}
	b.mu.Lock()
	if b.closed {
		close(s.ch)
	} else {
		b.subs[s] = struct{}{}
	}
	b.mu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			b.mu.Lock()
			if _, ok := b.subs[s]; ok {
				delete(b.subs, s)
				close(s.ch)
			}
			b.mu.Unlock()
		})
	}
}

// Publish sends ev to every subscriber, stamping the time if unset.
func (b *Bus) Publish(ev Event) { b.publish(ev) }

func (b *Bus) publish(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		if s.dropped > 0 && len(s.ch) < cap(s.ch)/2 {
			s.ch <- Event{Time: ev.Time, Kind: EventWarning, Message: fmt.Sprintf("%d events were dropped because the reader fell behind", s.dropped)}
			s.dropped = 0
		}
		select {
		case s.ch <- ev:
		default:
			s.dropped++
		}
	}
}

// publishLog publishes a diagnostic line, redacted, only if someone
// listens: formatting every engine line for nobody would be waste.
func (b *Bus) publishLog(tunnel, format string, args []any) {
	b.mu.Lock()
	n := len(b.subs)
	redact := b.redact
	b.mu.Unlock()
	if n == 0 {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if redact != nil {
		msg = redact(msg)
	}
	b.publish(Event{Kind: EventLog, Tunnel: tunnel, Message: msg})
}

// Close ends every subscription.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for s := range b.subs {
		close(s.ch)
		delete(b.subs, s)
	}
}
