package packet

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Sizes of the plain control packet's fixed parts.
const (
	// HeaderSize is the clear header every control packet starts with:
	// op/kid(1) and the sender's session id(8).
	HeaderSize = 1 + SessionIDSize
	// MaxAcks is the most ACKs one packet may carry (RELIABLE_ACK_SIZE). The
	// reference rejects a packet with more, so the codec does too.
	MaxAcks = 8
	// MessageIDSize is the size of the reliability layer's msg_pid.
	MessageIDSize = 4
)

// Errors returned (wrapped) by the codec. Callers drop a packet that fails to
// decode; the sentinels exist for tests, counters and logs.
var (
	ErrTruncated        = errors.New("packet truncated")
	ErrBadOpcode        = errors.New("bad opcode")
	ErrNotControl       = errors.New("not a control packet")
	ErrBadKeyID         = errors.New("key id out of range")
	ErrTooManyAcks      = errors.New("too many acks")
	ErrZeroSessionID    = errors.New("zero session id")
	ErrTrailingData     = errors.New("trailing data after ack packet")
	ErrUnexpectedFields = errors.New("ack packet with message id or payload")
)

// Header is the part of a control packet that stays in the clear under every
// wrapping mode.
type Header struct {
	Opcode    Opcode
	KeyID     KeyID
	SessionID SessionID // the sender's own session id
}

// Validate checks that h can go on the wire: a control opcode, a key id that
// fits three bits and a non-zero session id.
func (h Header) Validate() error {
	if err := checkControlOpcode(h.Opcode); err != nil {
		return err
	}
	if h.KeyID > MaxKeyID {
		return fmt.Errorf("%w: %d", ErrBadKeyID, h.KeyID)
	}
	if h.SessionID.IsZero() {
		return ErrZeroSessionID
	}
	return nil
}

// Append validates h and appends its 9 wire bytes to dst.
func (h Header) Append(dst []byte) ([]byte, error) {
	if err := h.Validate(); err != nil {
		return dst, fmt.Errorf("encode header: %w", err)
	}
	dst = append(dst, FirstByte(h.Opcode, h.KeyID))
	return append(dst, h.SessionID[:]...), nil
}

// DecodeHeader reads the 9-byte clear header at the start of pkt. It rejects
// data opcodes, invalid opcodes and the zero session id (which the reference
// treats as "no session id in packet").
func DecodeHeader(pkt []byte) (Header, error) {
	if len(pkt) < HeaderSize {
		return Header{}, fmt.Errorf("decode header: %w", ErrTruncated)
	}
	var h Header
	h.Opcode, h.KeyID = SplitFirstByte(pkt[0])
	copy(h.SessionID[:], pkt[1:HeaderSize])
	if err := h.Validate(); err != nil {
		return Header{}, fmt.Errorf("decode header: %w", err)
	}
	return h, nil
}

// Control is one plain (unwrapped) control-channel packet.
type Control struct {
	Opcode    Opcode
	KeyID     KeyID
	SessionID SessionID // the sender's own session id

	// Acks lists the peer's message ids this packet acknowledges (at most
	// MaxAcks). Each id is acknowledged individually; there are no ranges.
	Acks []uint32
	// RemoteSessionID is the receiver's session id, echoed back. It is on the
	// wire only when Acks is non-empty, and ignored otherwise.
	RemoteSessionID SessionID

	// MessageID is the reliability layer's sequence number. It is absent for
	// P_ACK_V1 and must then be zero.
	MessageID uint32
	// Payload is TLS ciphertext (or early-negotiation TLVs on a hard reset).
	// Decode points it into the input; it is not copied.
	Payload []byte
}

// Header returns the packet's clear header.
func (p *Control) Header() Header {
	return Header{Opcode: p.Opcode, KeyID: p.KeyID, SessionID: p.SessionID}
}

// BodyLen returns the encoded length of the body (everything after the
// header).
func (p *Control) BodyLen() int {
	return BodyOverhead(p.Opcode, len(p.Acks)) + len(p.Payload)
}

// BodyOverhead returns the body bytes, payload excluded, of a packet with
// opcode op carrying nAcks acks: the ack count, the ack ids, the echoed
// session id and the message id. Callers use it to size payloads.
func BodyOverhead(op Opcode, nAcks int) int {
	n := 1 + 4*nAcks
	if nAcks > 0 {
		n += SessionIDSize
	}
	if op != OpAckV1 {
		n += MessageIDSize
	}
	return n
}

// Validate checks everything Append checks, so a caller can find out whether
// encoding will succeed before it commits to anything (tlswrap uses it to
// avoid burning a replay packet id on a packet it cannot send).
func (p *Control) Validate() error {
	if err := p.validateBody(); err != nil {
		return fmt.Errorf("encode control body: %w", err)
	}
	if err := p.Header().Validate(); err != nil {
		return fmt.Errorf("encode header: %w", err)
	}
	return nil
}

func (p *Control) validateBody() error {
	if len(p.Acks) > MaxAcks {
		return fmt.Errorf("%w: %d", ErrTooManyAcks, len(p.Acks))
	}
	if len(p.Acks) > 0 && p.RemoteSessionID.IsZero() {
		return fmt.Errorf("remote session id: %w", ErrZeroSessionID)
	}
	if p.Opcode == OpAckV1 && (p.MessageID != 0 || len(p.Payload) > 0) {
		return ErrUnexpectedFields
	}
	return nil
}

// AppendBody appends the encoded body (ack list, message id, payload) to dst.
// It checks the body's own rules but not the header's; use Append for both.
func (p *Control) AppendBody(dst []byte) ([]byte, error) {
	if err := p.validateBody(); err != nil {
		return dst, fmt.Errorf("encode control body: %w", err)
	}
	dst = append(dst, byte(len(p.Acks)))
	for _, id := range p.Acks {
		dst = binary.BigEndian.AppendUint32(dst, id)
	}
	if len(p.Acks) > 0 {
		dst = append(dst, p.RemoteSessionID[:]...)
	}
	if p.Opcode != OpAckV1 {
		dst = binary.BigEndian.AppendUint32(dst, p.MessageID)
	}
	return append(dst, p.Payload...), nil
}

// Append appends the whole plain packet, header and body, to dst. This is the
// wire form when no tls-auth/tls-crypt wrapping is configured.
func (p *Control) Append(dst []byte) ([]byte, error) {
	if err := p.validateBody(); err != nil {
		return dst, fmt.Errorf("encode control body: %w", err)
	}
	out, err := p.Header().Append(dst)
	if err != nil {
		return dst, err
	}
	return p.AppendBody(out)
}

// Decode parses a whole plain packet into p. p.Payload aliases pkt, and
// p.Acks reuses its previous capacity, so a Control can be decoded into
// repeatedly without allocating.
func (p *Control) Decode(pkt []byte) error {
	h, err := DecodeHeader(pkt)
	if err != nil {
		return err
	}
	return p.DecodeBody(h, pkt[HeaderSize:])
}

// DecodeBody parses body, the part after the header, for a packet with header
// h. p.Payload aliases body.
func (p *Control) DecodeBody(h Header, body []byte) error {
	if err := p.decodeBody(h, body); err != nil {
		p.Acks = p.Acks[:0]
		p.Payload = nil
		return fmt.Errorf("decode %v body: %w", h.Opcode, err)
	}
	return nil
}

func (p *Control) decodeBody(h Header, b []byte) error {
	if err := checkControlOpcode(h.Opcode); err != nil {
		return err
	}
	p.Opcode, p.KeyID, p.SessionID = h.Opcode, h.KeyID, h.SessionID
	p.Acks = p.Acks[:0]
	p.RemoteSessionID = SessionID{}
	p.MessageID = 0
	p.Payload = nil

	if len(b) < 1 {
		return fmt.Errorf("ack count: %w", ErrTruncated)
	}
	n := int(b[0])
	b = b[1:]
	if n > MaxAcks {
		return fmt.Errorf("%w: %d", ErrTooManyAcks, n)
	}
	if len(b) < 4*n {
		return fmt.Errorf("ack ids: %w", ErrTruncated)
	}
	for i := 0; i < n; i++ {
		p.Acks = append(p.Acks, binary.BigEndian.Uint32(b[4*i:]))
	}
	b = b[4*n:]
	if n > 0 {
		if len(b) < SessionIDSize {
			return fmt.Errorf("remote session id: %w", ErrTruncated)
		}
		copy(p.RemoteSessionID[:], b[:SessionIDSize])
		if p.RemoteSessionID.IsZero() {
			// The reference treats an undefined echoed id as a failed ack read.
			return fmt.Errorf("remote session id: %w", ErrZeroSessionID)
		}
		b = b[SessionIDSize:]
	}
	if h.Opcode == OpAckV1 {
		if len(b) != 0 {
			return fmt.Errorf("%w: %d bytes", ErrTrailingData, len(b))
		}
		return nil
	}
	if len(b) < MessageIDSize {
		return fmt.Errorf("message id: %w", ErrTruncated)
	}
	p.MessageID = binary.BigEndian.Uint32(b)
	if rest := b[MessageIDSize:]; len(rest) > 0 {
		p.Payload = rest
	}
	return nil
}

// String summarises p for debug logs without dumping the payload.
func (p *Control) String() string {
	s := fmt.Sprintf("%v kid=%d sid=%v acks=%v", p.Opcode, p.KeyID, p.SessionID, p.Acks)
	if len(p.Acks) > 0 {
		s += " peer=" + p.RemoteSessionID.String()
	}
	if p.Opcode != OpAckV1 {
		s += fmt.Sprintf(" mid=%d len=%d", p.MessageID, len(p.Payload))
	}
	return s
}
