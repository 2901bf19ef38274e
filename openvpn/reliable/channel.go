package reliable

import (
	"errors"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// Errors from Channel.Receive for packets that belong elsewhere; the whole
// packet is then ignored, ACKs included, as the reference does.
var (
	ErrWrongSession = errors.New("packet for another session")
	ErrWrongKeyID   = errors.New("packet for another key id")
)

// Config tunes a Channel. The zero value means OpenVPN's defaults.
type Config struct {
	InitialTimeout time.Duration // first retransmission timeout (--tls-timeout), 2 s
	MaxTimeout     time.Duration // backoff cap, 60 s
	// MaxPiggybackAcks limits ACKs on a control packet (default 4).
	MaxPiggybackAcks int
	// MaxAckPacketAcks limits ACKs in a P_ACK_V1 (default 8). A 2.6 client
	// lowers it to 4 when there is no tls-auth/tls-crypt and no TLS-EKM,
	// because SoftEther servers drop packets with more.
	MaxAckPacketAcks int
}

// Channel is one key state's reliability layer over packet.Control: a
// Sender, a Receiver and the ACK bookkeeping, plus the packet-level rules
// that tie them together.
//
// Size each queued payload for the worst case of its transmissions: a
// retransmission carries whatever ACKs are current, up to MaxPiggybackAcks,
// so use tlswrap.MaxPayload(w, op, MaxPiggybackAcks, …), with op
// P_CONTROL_WKC_V1 when NeedsWKc.
//
// The session feeds it every authenticated control packet for its key id
// (Receive), drains in-order messages (Next), queues outgoing payloads
// (Queue) and transmits what Poll returns whenever NextDeadline passes or
// something was received or queued. Drain Next before calling Poll, so that
// a just-received reset's TLVs (SetResendWKc) are acted on first.
type Channel struct {
	cfg       Config
	keyID     packet.KeyID
	local     packet.SessionID
	remote    packet.SessionID
	send      *Sender
	recv      *Receiver
	acks      Acks
	resendWKc bool
	due       []Message
}

// NewChannel returns the layer for key id keyID of the session whose own id
// is local. cfg may be nil.
func NewChannel(keyID packet.KeyID, local packet.SessionID, cfg *Config) *Channel {
	c := &Channel{keyID: keyID, local: local}
	if cfg != nil {
		c.cfg = *cfg
	}
	if c.cfg.MaxPiggybackAcks <= 0 {
		c.cfg.MaxPiggybackAcks = MaxPiggybackAcks
	}
	if c.cfg.MaxAckPacketAcks <= 0 {
		c.cfg.MaxAckPacketAcks = MaxAcks
	}
	c.send = NewSender(c.cfg.InitialTimeout, c.cfg.MaxTimeout)
	c.recv = NewReceiver()
	return c
}

// SetRemoteSessionID fixes the peer's session id. Without it, the first
// packet passed to Receive sets it.
func (c *Channel) SetRemoteSessionID(sid packet.SessionID) { c.remote = sid }

// RemoteSessionID returns the peer's session id, zero until known.
func (c *Channel) RemoteSessionID() packet.SessionID { return c.remote }

// Sender and Receiver expose the halves for state checks (Sender().Empty()
// means everything queued was ACKed).
func (c *Channel) Sender() *Sender { return c.send }

// Receiver returns the receiving half.
func (c *Channel) Receiver() *Receiver { return c.recv }

// Available returns how many messages Queue accepts now.
func (c *Channel) Available() int { return c.send.Available() }

// SetResendWKc records that the server's reset asked for the tls-crypt-v2
// wrapped key to be resent (packet.EarlyNegotiation.ResendWKc).
func (c *Channel) SetResendWKc(v bool) { c.resendWKc = v }

// NeedsWKc reports whether the next queued message will be sent as
// P_CONTROL_WKC_V1: the server asked for the WKc and the message is id 1,
// the first after our reset (ssl.c:control_packet_needs_wkc). The caller
// sizes that message's payload with the WKc overhead.
func (c *Channel) NeedsWKc() bool { return c.resendWKc && c.send.NextID() == 1 }

// Queue adds an outgoing message. A P_CONTROL_V1 that NeedsWKc turns into
// P_CONTROL_WKC_V1 (and stays so on retransmission).
func (c *Channel) Queue(op packet.Opcode, payload []byte) (uint32, error) {
	if op == packet.OpControlV1 && c.NeedsWKc() {
		op = packet.OpControlWKCV1
	}
	return c.send.Queue(op, payload)
}

// Receive processes one authenticated control packet: its ACKs release our
// messages, and its message, if any, goes to the receiver and, unless
// dropped, onto the ACK list. Packets from another session or key id are
// rejected whole.
func (c *Channel) Receive(p *packet.Control) (Verdict, error) {
	if p.KeyID != c.keyID {
		return Dropped, fmt.Errorf("receive %v: %w: %d, want %d", p.Opcode, ErrWrongKeyID, p.KeyID, c.keyID)
	}
	if !c.remote.IsZero() && p.SessionID != c.remote {
		return Dropped, fmt.Errorf("receive %v: %w: sender %v, want %v", p.Opcode, ErrWrongSession, p.SessionID, c.remote)
	}
	if len(p.Acks) > 0 && p.RemoteSessionID != c.local {
		return Dropped, fmt.Errorf("receive %v: %w: acks for %v, we are %v", p.Opcode, ErrWrongSession, p.RemoteSessionID, c.local)
	}
	if c.remote.IsZero() {
		c.remote = p.SessionID
	}
	for _, id := range p.Acks {
		c.send.Ack(id)
	}
	if !p.Opcode.HasMessageID() {
		return NoMessage, nil
	}
	// A reset is always message 0; a reset claiming another id is a stale
	// replay and is ignored, as the reference does.
	if p.Opcode.IsHardReset() && p.MessageID != 0 {
		return Dropped, nil
	}
	v := c.recv.Receive(p.MessageID, p.Opcode, p.Payload)
	if v.ShouldAck() {
		c.acks.Add(p.MessageID)
	}
	return v, nil
}

// Next returns the next received message in order (see Receiver.Next).
func (c *Channel) Next() (Message, bool) { return c.recv.Next() }

// Poll appends to dst the packets to transmit at now: due messages, oldest
// first, each with piggy-backed ACKs, then, if fresh ACKs remain, one
// P_ACK_V1 (or, when NeedsWKc, an empty P_CONTROL_WKC_V1 that carries them
// reliably, as the server needs the WKc to accept our ACK). Entries of dst
// beyond its length are reused, Acks slices included, so a caller that
// passes the same slice back (dst[:0]) polls without allocating. Payloads
// alias the sender's copies.
func (c *Channel) Poll(now time.Time, dst []packet.Control) []packet.Control {
	if c.acks.Pending() > 0 && c.NeedsWKc() && c.send.Available() > 0 {
		// Nothing else is going to carry the ACK: send it on an empty
		// message so the WKc goes along and is retransmitted if lost.
		_, _ = c.Queue(packet.OpControlV1, nil)
	}
	c.due = c.send.Due(now, c.due[:0])
	for _, m := range c.due {
		var p *packet.Control
		dst, p = grow(dst)
		p.Opcode, p.MessageID, p.Payload = m.Opcode, m.ID, m.Payload
		c.fill(p, c.cfg.MaxPiggybackAcks)
	}
	if c.acks.Pending() > 0 {
		var p *packet.Control
		dst, p = grow(dst)
		p.Opcode = packet.OpAckV1
		c.fill(p, c.cfg.MaxAckPacketAcks)
	}
	return dst
}

// fill sets the header fields and takes ACKs for p.
func (c *Channel) fill(p *packet.Control, maxAcks int) {
	p.KeyID, p.SessionID = c.keyID, c.local
	if c.remote.IsZero() {
		return // nothing received yet, so nothing to acknowledge
	}
	p.Acks = c.acks.Take(p.Acks, maxAcks)
	if len(p.Acks) > 0 {
		p.RemoteSessionID = c.remote
	}
}

// NextDeadline returns when Poll next has something to send; a time at or
// before now (possibly the zero Time) means at once. It reports false when
// there is nothing to wait for.
func (c *Channel) NextDeadline() (time.Time, bool) {
	if c.acks.Pending() > 0 {
		return time.Time{}, true
	}
	return c.send.NextDeadline()
}

// ScheduleNow makes every outstanding message due at once with its backoff
// reset (see Sender.ScheduleNow).
func (c *Channel) ScheduleNow() { c.send.ScheduleNow() }

// grow extends dst by one zeroed packet, reusing the element's Acks capacity.
func grow(dst []packet.Control) ([]packet.Control, *packet.Control) {
	if len(dst) < cap(dst) {
		dst = dst[:len(dst)+1]
	} else {
		dst = append(dst, packet.Control{})
	}
	p := &dst[len(dst)-1]
	*p = packet.Control{Acks: p.Acks[:0]}
	return dst, p
}
