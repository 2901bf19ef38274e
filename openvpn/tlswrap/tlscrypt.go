package tlswrap

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// tls-crypt sizes (tls_crypt.h).
const (
	cryptKeySize  = 32 // AES-256 key and HMAC-SHA256 key
	tagSize       = sha256.Size
	offTag        = packet.HeaderSize + replayIDSize // 17: op sid pid time
	offCiphertext = offTag + tagSize                 // 49
)

// TLSCrypt is the tls-crypt wrapper, and with a WKc the client side of
// tls-crypt-v2:
//
//	op(1) sid(8) pid(4) time(4) tag(32) AES-256-CTR(Ke, IV=tag[:16], body) [WKc]
//	tag = HMAC-SHA256(Ka, op‖sid‖pid‖time‖body)
//
// A client sends with half 1 of the key (Ke = bytes 128..160, Ka = 192..224)
// and receives with half 0 (Ke = 0..32, Ka = 64..96): tls_crypt_init_key
// loads the client with KEY_DIRECTION_INVERSE regardless of key-direction.
type TLSCrypt struct {
	s          settings
	sendCipher cipher.Block
	recvCipher cipher.Block
	sendMAC    hash.Hash
	recvMAC    hash.Hash
	sendID     sendID
	replay     replayWindow
	sum, chk   [tagSize]byte

	v2  bool   // append/strip WKc on P_CONTROL_HARD_RESET_CLIENT_V3 and P_CONTROL_WKC_V1
	wkc []byte // the client's wrapped key, appended by Wrap
}

var _ Wrapper = (*TLSCrypt)(nil)

// NewTLSCrypt returns a client-side tls-crypt wrapper for the 256-byte static
// key. Dynamic tls-crypt (renegotiations under "protocol-flags dyn-tls-crypt")
// is also this wrapper, built from the exported key XORed with the original
// one, with its own replay state.
func NewTLSCrypt(key []byte, opts *Options) (*TLSCrypt, error) {
	c, err := newTLSCrypt(key, false, opts)
	if err != nil {
		return nil, fmt.Errorf("new tls-crypt: %w", err)
	}
	return c, nil
}

// newTLSCrypt builds either side; server is for tests and fake servers.
func newTLSCrypt(key []byte, server bool, opts *Options) (*TLSCrypt, error) {
	if err := checkStaticKey(key); err != nil {
		return nil, err
	}
	out, in := 1, 0
	if server {
		out, in = 0, 1
	}
	sendCipher, err := aes.NewCipher(cipherKey(key, out, cryptKeySize))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	recvCipher, err := aes.NewCipher(cipherKey(key, in, cryptKeySize))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	s := opts.settings()
	return &TLSCrypt{
		s:          s,
		sendCipher: sendCipher,
		recvCipher: recvCipher,
		sendMAC:    hmac.New(sha256.New, hmacKey(key, out, cryptKeySize)),
		recvMAC:    hmac.New(sha256.New, hmacKey(key, in, cryptKeySize)),
		replay:     newReplayWindow(s.window, s.time),
	}, nil
}

// Mode returns ModeCrypt, or ModeCryptV2 for a tls-crypt-v2 client.
func (c *TLSCrypt) Mode() Mode {
	if c.v2 {
		return ModeCryptV2
	}
	return ModeCrypt
}

// Overhead returns the replay id and tag sizes, plus the WKc for the
// opcodes that carry it under tls-crypt-v2.
func (c *TLSCrypt) Overhead(op packet.Opcode) int {
	n := replayIDSize + tagSize
	if c.v2 && op.CarriesWKc() {
		n += len(c.wkc)
	}
	return n
}

// Wrap appends the tls-crypt form of p to dst.
func (c *TLSCrypt) Wrap(dst []byte, p *packet.Control) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return dst, fmt.Errorf("%v wrap: %w", c.Mode(), err)
	}
	id, epoch, err := c.sendID.next(c.s.now())
	if err != nil {
		return dst, fmt.Errorf("%v wrap: %w", c.Mode(), err)
	}
	start := len(dst)
	out, _ := p.Header().Append(dst)
	out = binary.BigEndian.AppendUint32(out, id)
	out = binary.BigEndian.AppendUint32(out, epoch)
	tagAt := len(out)
	out = append(out, make([]byte, tagSize)...)
	bodyAt := len(out)
	out, _ = p.AppendBody(out)

	tag := c.tag(c.sendMAC, c.sum[:0], out[start:tagAt], out[bodyAt:])
	copy(out[tagAt:bodyAt], tag)
	cipher.NewCTR(c.sendCipher, tag[:aes.BlockSize]).XORKeyStream(out[bodyAt:], out[bodyAt:])

	if c.v2 && p.Opcode.CarriesWKc() {
		out = append(out, c.wkc...)
	}
	return out, nil
}

// Unwrap decrypts the body in place, verifies the tag and the replay id, and
// returns header and plain body. Under tls-crypt-v2 a trailing WKc on the
// opcodes that carry one is located by its length field and skipped.
func (c *TLSCrypt) Unwrap(wire []byte) (packet.Header, []byte, error) {
	h, err := packet.DecodeHeader(wire)
	if err != nil {
		return packet.Header{}, nil, fmt.Errorf("%v unwrap: %w", c.Mode(), err)
	}
	if c.v2 && h.Opcode.CarriesWKc() {
		if wire, err = stripWKc(wire); err != nil {
			return packet.Header{}, nil, fmt.Errorf("%v unwrap %v: %w", c.Mode(), h.Opcode, err)
		}
	}
	if len(wire) < offCiphertext {
		return packet.Header{}, nil, fmt.Errorf("%v unwrap: %w", c.Mode(), packet.ErrTruncated)
	}
	body := wire[offCiphertext:]
	tag := wire[offTag:offCiphertext]
	cipher.NewCTR(c.recvCipher, tag[:aes.BlockSize]).XORKeyStream(body, body)
	if !hmac.Equal(c.tag(c.recvMAC, c.chk[:0], wire[:offTag], body), tag) {
		return packet.Header{}, nil, fmt.Errorf("%v unwrap %v: %w", c.Mode(), h.Opcode, ErrAuth)
	}
	id := binary.BigEndian.Uint32(wire[packet.HeaderSize:])
	epoch := binary.BigEndian.Uint32(wire[packet.HeaderSize+4:])
	now := c.s.now()
	if err := c.replay.check(id, epoch, now); err != nil {
		return packet.Header{}, nil, fmt.Errorf("%v unwrap %v: %w", c.Mode(), h.Opcode, err)
	}
	c.replay.accept(id, epoch, now)
	return h, body, nil
}

// tag computes HMAC-SHA256 over the 17 clear bytes and the plain body.
func (c *TLSCrypt) tag(m hash.Hash, dst, head, body []byte) []byte {
	m.Reset()
	m.Write(head)
	m.Write(body)
	return m.Sum(dst)
}
