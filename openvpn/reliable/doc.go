// Package reliable is the control channel's reliability layer: OpenVPN's
// reliable.c as pure logic, with no goroutines, no I/O and the clock passed
// in, so every scenario can be replayed exactly in a test.
//
// Each key state (the initial handshake and each renegotiation) has its own
// layer, with message ids starting at 0 (the hard or soft reset is message 0):
//
//	Sender    keeps up to SendWindow unacknowledged messages, retransmits
//	          each on its own timer (2 s, doubling) or early once
//	          FastRetransmitAcks later messages have been acknowledged.
//	Receiver  holds messages up to ReceiveWindow ids ahead of the next one
//	          due, releases them in order, and says which ids to ACK.
//	Acks      the ids owed to the peer, and a most-recently-used list of ids
//	          already acknowledged, which every outgoing packet repeats so a
//	          lost ACK is repaired without waiting for a retransmission.
//	Channel   the three put together over packet.Control, the shape the
//	          session uses.
//
// Acknowledgements are per message, never cumulative. A message may be lost,
// duplicated or reordered; the layer delivers each exactly once, in order.
package reliable

import (
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// Limits from OpenVPN 2.6.
const (
	// SendWindow is TLS_RELIABLE_N_SEND_BUFFERS: the span from the oldest
	// unacknowledged message to the next new one is at most this.
	SendWindow = 6
	// ReceiveWindow is TLS_RELIABLE_N_REC_BUFFERS: how far ahead of the next
	// expected id a message may be and still be kept.
	ReceiveWindow = 12
	// MaxPiggybackAcks is CONTROL_SEND_ACK_MAX: ACKs on a control packet.
	MaxPiggybackAcks = 4
	// MaxAcks is RELIABLE_ACK_SIZE: ACKs in a P_ACK_V1, and ids remembered.
	MaxAcks = packet.MaxAcks
	// FastRetransmitAcks is N_ACK_RETRANSMIT.
	FastRetransmitAcks = 3
	// DefaultInitialTimeout is --tls-timeout's default.
	DefaultInitialTimeout = 2 * time.Second
	// DefaultMaxTimeout caps the doubling. The reference does not cap it,
	// but a handshake gives up after hand-window (60 s) anyway, and after
	// the handshake an uncapped backoff would leave a control message
	// stalled for minutes on a link that has recovered.
	DefaultMaxTimeout = 60 * time.Second
)

// Message is one reliable control message.
type Message struct {
	ID      uint32
	Opcode  packet.Opcode
	Payload []byte
}

// before reports whether message id a comes before b, allowing for
// wrap-around as the reference does.
func before(a, b uint32) bool { return int32(a-b) < 0 }
