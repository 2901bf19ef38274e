package reliable

import (
	"github.com/cvpn/cvpn/openvpn/packet"
)

// Verdict says what Receive did with a message and whether to ACK it.
type Verdict uint8

// Receive verdicts.
const (
	// Accepted: a new message, held for in-order delivery. ACK it.
	Accepted Verdict = iota
	// Duplicate: already delivered or already held. ACK it again (our
	// earlier ACK was probably lost) but do not deliver it twice.
	Duplicate
	// Dropped: too far ahead of the window (or otherwise unusable). Do not
	// ACK it, so the peer retransmits once there is room.
	Dropped
	// NoMessage: the packet carried only ACKs (P_ACK_V1).
	NoMessage
)

func (v Verdict) String() string {
	switch v {
	case Accepted:
		return "accepted"
	case Duplicate:
		return "duplicate"
	case Dropped:
		return "dropped"
	case NoMessage:
		return "no message"
	}
	return "verdict(?)"
}

// ShouldAck reports whether the message's id goes on the ACK list.
func (v Verdict) ShouldAck() bool { return v == Accepted || v == Duplicate }

type incoming struct {
	active bool
	id     uint32
	op     packet.Opcode
	buf    []byte
}

// Receiver is the receiving half of the reliability layer.
type Receiver struct {
	next uint32 // the next id to deliver
	// slots[id%ReceiveWindow]; held ids lie in [next, next+ReceiveWindow).
	slots [ReceiveWindow]incoming
}

// NewReceiver returns a receiver expecting message 0 first.
func NewReceiver() *Receiver { return &Receiver{} }

// NextID returns the id Next will deliver next.
func (r *Receiver) NextID() uint32 { return r.next }

// Held returns how many received messages wait for delivery.
func (r *Receiver) Held() int {
	n := 0
	for i := range r.slots {
		if r.slots[i].active {
			n++
		}
	}
	return n
}

// Receive records message id with its opcode and payload (copied).
//
// An id at or beyond the end of the window is dropped unacknowledged,
// however far ahead it is; only ids below the next one due are old, and
// those are acknowledged again. Judging "old" by wrap-around distance
// alone would make any id more than 2³¹ ahead look old, so a forged or
// corrupt packet with an id in the billions would be acknowledged and that
// ACK repeated on every packet for a while (see inWindow).
func (r *Receiver) Receive(id uint32, op packet.Opcode, payload []byte) Verdict {
	if !inWindow(id, r.next) {
		return Dropped
	}
	if before(id, r.next) {
		return Duplicate
	}
	e := &r.slots[id%ReceiveWindow]
	if e.active {
		return Duplicate
	}
	e.active, e.id, e.op = true, id, op
	e.buf = append(e.buf[:0], payload...)
	return Accepted
}

// Next returns the next message in order, if it has arrived, and moves the
// window on. Its payload is the receiver's copy and stays valid until the
// next call to Receive.
func (r *Receiver) Next() (Message, bool) {
	e := &r.slots[r.next%ReceiveWindow]
	if !e.active || e.id != r.next {
		return Message{}, false
	}
	e.active = false
	r.next++
	return Message{ID: e.id, Opcode: e.op, Payload: e.buf}, true
}

// inWindow reports whether id is below next+ReceiveWindow, the only ids
// the receiver takes or acknowledges. Ids count up from 0 in every key
// state, so "below" is the plain unsigned order: everything before next is
// old, everything from the window's end on is refused. Only when the window
// itself wraps past 2³²-1 are both sides shifted by half the id space
// first, so the ids just before the wrap stay old. This is 2.6's rule
// (reliable.c: reliable_wont_break_sequentiality, checked before
// reliable_not_replay, which decides between new and old).
func inWindow(id, next uint32) bool {
	end := next + ReceiveWindow
	if end >= next {
		return id < end
	}
	const half = 1 << 31
	return id+half < end+half
}
