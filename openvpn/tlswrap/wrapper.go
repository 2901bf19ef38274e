package tlswrap

import (
	"errors"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// Wrapper wraps and unwraps control-channel packets for one session.
type Wrapper interface {
	// Mode names the wrapping, for logs.
	Mode() Mode
	// Overhead returns how many bytes Wrap adds to the plain packet (header
	// plus body) for opcode op. The caller sizes payloads with it so the
	// datagram fits tls-mtu; see MaxPayload.
	Overhead(op packet.Opcode) int
	// Wrap appends to dst the wire form of one transmission of p, taking a
	// fresh replay packet id. It fails without consuming an id if p cannot
	// be encoded. dst's spare capacity must not overlap p.Payload.
	Wrap(dst []byte, p *packet.Control) ([]byte, error)
	// Unwrap authenticates, decrypts and replay-checks one received packet
	// and returns its clear header and plain body. The body aliases wire,
	// which Unwrap may decrypt in place (and leave garbled on failure).
	Unwrap(wire []byte) (packet.Header, []byte, error)
}

// Mode identifies a wrapping mode.
type Mode uint8

// The wrapping modes.
const (
	ModeNone Mode = iota
	ModeAuth
	ModeCrypt
	ModeCryptV2
)

func (m Mode) String() string {
	switch m {
	case ModeNone:
		return "none"
	case ModeAuth:
		return "tls-auth"
	case ModeCrypt:
		return "tls-crypt"
	case ModeCryptV2:
		return "tls-crypt-v2"
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// Errors wrapped by this package. The session drops a packet that fails to
// unwrap and carries on (a forged or replayed packet must not kill it).
var (
	ErrAuth              = errors.New("control packet authentication failed")
	ErrReplay            = errors.New("replayed control packet")
	ErrPacketIDExhausted = errors.New("replay packet id exhausted")
	ErrBadKey            = errors.New("bad key")
	ErrUnsupportedDigest = errors.New("unsupported digest")
)

// Options tunes a wrapper. The zero value (or nil) means OpenVPN's defaults.
type Options struct {
	// Now is the clock, for the replay time field and the replay window's
	// time backtrack. nil means time.Now.
	Now func() time.Time
	// ReplayWindow and ReplayTime mirror --replay-window n t.
	ReplayWindow int
	ReplayTime   time.Duration
}

type settings struct {
	now    func() time.Time
	window int
	time   time.Duration
}

func (o *Options) settings() settings {
	s := settings{now: time.Now, window: DefaultReplayWindow, time: DefaultReplayTime}
	if o == nil {
		return s
	}
	if o.Now != nil {
		s.now = o.Now
	}
	if o.ReplayWindow > 0 {
		s.window = o.ReplayWindow
	}
	if o.ReplayTime > 0 {
		s.time = o.ReplayTime
	}
	return s
}

// Sizes used to cut TLS ciphertext into control packets.
const (
	// DefaultTLSMTU is OpenVPN's --tls-mtu default: the largest control
	// datagram, IP and UDP headers included.
	DefaultTLSMTU = 1250
	// DatagramOverheadUDP6 and DatagramOverheadUDP4 are the IP+UDP header
	// sizes OpenVPN subtracts from tls-mtu (it uses the IPv6 figure for TCP
	// too, as the risk there is nil).
	DatagramOverheadUDP6 = 40 + 8
	DatagramOverheadUDP4 = 20 + 8
)

// MaxPayload returns the largest payload a packet with opcode op and nAcks
// acks may carry so that the whole datagram fits tlsMTU, given the IP+UDP
// overhead. It is 0 when nothing fits (for example a huge WKc).
func MaxPayload(w Wrapper, op packet.Opcode, nAcks, tlsMTU, datagramOverhead int) int {
	n := tlsMTU - datagramOverhead - packet.HeaderSize - packet.BodyOverhead(op, nAcks) - w.Overhead(op)
	return max(n, 0)
}

// Decode unwraps wire with w and decodes the body into p (see
// packet.Control.Decode for aliasing).
func Decode(w Wrapper, wire []byte, p *packet.Control) error {
	h, body, err := w.Unwrap(wire)
	if err != nil {
		return err
	}
	return p.DecodeBody(h, body)
}

// None is the wrapper for sessions with no tls-auth or tls-crypt: the wire
// form is the plain packet. It is stateless and needs no constructor.
type None struct{}

var _ Wrapper = None{}

// Mode returns ModeNone.
func (None) Mode() Mode { return ModeNone }

// Overhead returns 0.
func (None) Overhead(packet.Opcode) int { return 0 }

// Wrap appends the plain packet.
func (None) Wrap(dst []byte, p *packet.Control) ([]byte, error) {
	out, err := p.Append(dst)
	if err != nil {
		return dst, fmt.Errorf("wrap: %w", err)
	}
	return out, nil
}

// Unwrap splits wire into header and body.
func (None) Unwrap(wire []byte) (packet.Header, []byte, error) {
	h, err := packet.DecodeHeader(wire)
	if err != nil {
		return packet.Header{}, nil, fmt.Errorf("unwrap: %w", err)
	}
	return h, wire[packet.HeaderSize:], nil
}
