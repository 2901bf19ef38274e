package reliable

import (
	"errors"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// ErrWindowFull is returned by Queue when SendWindow messages are already
// outstanding; the caller waits for ACKs (Available reports room).
var ErrWindowFull = errors.New("send window full")

type outgoing struct {
	Message
	active  bool
	nextTry time.Time // zero: due at once
	timeout time.Duration
	nAcks   int // ACKs seen for later messages since the last transmission
	buf     []byte
}

// Sender is the sending half of the reliability layer.
type Sender struct {
	initial, max time.Duration
	next         uint32
	// slots[id%SendWindow]: the window rule keeps every outstanding id
	// within SendWindow of the oldest, so they never collide.
	slots [SendWindow]outgoing
}

// NewSender returns a sender whose first message id is 0. Zero durations
// mean DefaultInitialTimeout and DefaultMaxTimeout.
func NewSender(initialTimeout, maxTimeout time.Duration) *Sender {
	if initialTimeout <= 0 {
		initialTimeout = DefaultInitialTimeout
	}
	if maxTimeout < initialTimeout {
		maxTimeout = max(DefaultMaxTimeout, initialTimeout)
	}
	return &Sender{initial: initialTimeout, max: maxTimeout}
}

// oldest returns the lowest outstanding id.
func (s *Sender) oldest() (uint32, bool) {
	var first uint32
	found := false
	for i := range s.slots {
		e := &s.slots[i]
		if e.active && (!found || before(e.ID, first)) {
			first, found = e.ID, true
		}
	}
	return first, found
}

// Available returns how many new messages Queue will accept now. Like the
// reference it counts from the oldest unacknowledged message, not the number
// outstanding: with message 0 unacknowledged, message 6 cannot be sent even
// if 1..5 have been acknowledged, because the peer's receive window starts
// at the first message it has not yet delivered.
func (s *Sender) Available() int {
	first, ok := s.oldest()
	if !ok {
		return SendWindow
	}
	return SendWindow - int(s.next-first)
}

// NextID returns the id the next queued message will get.
func (s *Sender) NextID() uint32 { return s.next }

// InFlight returns the number of unacknowledged messages.
func (s *Sender) InFlight() int {
	n := 0
	for i := range s.slots {
		if s.slots[i].active {
			n++
		}
	}
	return n
}

// Empty reports whether every queued message has been acknowledged. The
// session's state machine waits for this (e.g. "our reset was ACKed").
func (s *Sender) Empty() bool { return s.InFlight() == 0 }

// Queue adds a message, copying payload, and returns its id. The message is
// due at once.
func (s *Sender) Queue(op packet.Opcode, payload []byte) (uint32, error) {
	if s.Available() <= 0 {
		return 0, fmt.Errorf("queue %v: %w", op, ErrWindowFull)
	}
	id := s.next
	s.next++
	e := &s.slots[id%SendWindow]
	e.buf = append(e.buf[:0], payload...)
	*e = outgoing{
		Message: Message{ID: id, Opcode: op, Payload: e.buf},
		active:  true,
		timeout: s.initial,
		buf:     e.buf,
	}
	return id, nil
}

// Ack processes one acknowledged id from the peer. It reports whether that
// acknowledged an outstanding message. Every ACK, even a repeated one, also
// counts toward fast retransmission of the outstanding messages before it:
// the peer has received something later, so they were probably lost.
func (s *Sender) Ack(id uint32) bool {
	found := false
	for i := range s.slots {
		e := &s.slots[i]
		if !e.active {
			continue
		}
		if e.ID == id {
			e.active = false
			found = true
		} else if before(e.ID, id) {
			e.nAcks++
		}
	}
	return found
}

func (e *outgoing) due(now time.Time) bool {
	return e.active && (e.nAcks >= FastRetransmitAcks || !now.Before(e.nextTry))
}

// Due appends to dst every message that must be transmitted at now, new ones
// and retransmissions, oldest first, and reschedules each: the next try is
// one timeout away and the timeout doubles up to the cap. The payloads alias
// the sender's copies, valid until the message is acknowledged.
func (s *Sender) Due(now time.Time, dst []Message) []Message {
	first, ok := s.oldest()
	if !ok {
		return dst
	}
	for id := first; id != s.next; id++ {
		e := &s.slots[id%SendWindow]
		if e.ID != id || !e.due(now) {
			continue
		}
		e.nextTry = now.Add(e.timeout)
		e.timeout = min(2*e.timeout, s.max)
		e.nAcks = 0
		dst = append(dst, e.Message)
	}
	return dst
}

// NextDeadline returns when Due will next have something to send, and false
// when nothing is outstanding. A deadline at or before now (possibly the
// zero Time, for new messages and fast retransmissions) means "at once".
func (s *Sender) NextDeadline() (time.Time, bool) {
	var t time.Time
	found := false
	for i := range s.slots {
		e := &s.slots[i]
		if !e.active {
			continue
		}
		d := e.nextTry
		if e.nAcks >= FastRetransmitAcks {
			d = time.Time{}
		}
		if !found || d.Before(t) {
			t, found = d, true
		}
	}
	return t, found
}

// ScheduleNow makes every outstanding message due at once with its backoff
// reset, as the reference does when the peer has just come up (on receiving
// its reset), so the handshake does not sit out a long backoff.
func (s *Sender) ScheduleNow() {
	for i := range s.slots {
		if e := &s.slots[i]; e.active {
			e.nextTry = time.Time{}
			e.timeout = s.initial
		}
	}
}
