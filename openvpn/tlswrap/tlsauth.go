package tlswrap

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"fmt"
	"hash"
	"strings"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// replayIDSize is the long-form replay packet id: id(4) ‖ time(4).
const replayIDSize = 8

// TLSAuth is the tls-auth HMAC firewall:
//
//	op(1) sid(8) hmac(H) pid(4) time(4) body
//
// with hmac = HMAC-<digest>(key, pid‖time‖op‖sid‖body). The body is not
// encrypted. The HMAC key is the first H bytes of a half's hmac slot.
type TLSAuth struct {
	s        settings
	send     hash.Hash
	recv     hash.Hash
	size     int
	sendID   sendID
	replay   replayWindow
	sum, chk [sha512.Size]byte
}

var _ Wrapper = (*TLSAuth)(nil)

// digests lists the --auth digests accepted for tls-auth: the ones OpenSSL
// offers by default whose output fits the 64-byte hmac key slot. MD5 is
// weak but still accepted by a stock 2.6 server, and the server's choice is
// not ours to make.
var digests = map[string]func() hash.Hash{
	"MD5":        md5.New,
	"SHA1":       sha1.New,
	"SHA224":     sha256.New224,
	"SHA256":     sha256.New,
	"SHA384":     sha512.New384,
	"SHA512":     sha512.New,
	"SHA512-224": sha512.New512_224,
	"SHA512-256": sha512.New512_256,
}

// DefaultDigest is --auth's default.
const DefaultDigest = "SHA1"

// digestByName resolves an OpenSSL digest name, case-insensitively and with
// OpenSSL 3's aliases (SHA-256, SHA2-256). Empty means DefaultDigest.
func digestByName(name string) (func() hash.Hash, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	switch {
	case n == "":
		n = DefaultDigest
	case n == "SHA-1":
		n = "SHA1"
	case strings.HasPrefix(n, "SHA2-"):
		n = "SHA" + strings.TrimPrefix(n, "SHA2-")
	case strings.HasPrefix(n, "SHA-"):
		n = "SHA" + strings.TrimPrefix(n, "SHA-")
	}
	if f, ok := digests[n]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnsupportedDigest, name)
}

// NewTLSAuth returns a tls-auth wrapper for the 256-byte static key, the
// profile's key-direction (KeyDirectionInverse for "key-direction 1",
// KeyDirectionNone when the profile has none) and the --auth digest name
// ("" for OpenVPN's default, SHA1).
func NewTLSAuth(key []byte, dir KeyDirection, digest string, opts *Options) (*TLSAuth, error) {
	if err := checkStaticKey(key); err != nil {
		return nil, fmt.Errorf("new tls-auth: %w", err)
	}
	out, in, err := dir.halves()
	if err != nil {
		return nil, fmt.Errorf("new tls-auth: %w", err)
	}
	newHash, err := digestByName(digest)
	if err != nil {
		return nil, fmt.Errorf("new tls-auth: %w", err)
	}
	size := newHash().Size()
	s := opts.settings()
	return &TLSAuth{
		s:      s,
		send:   hmac.New(newHash, hmacKey(key, out, size)),
		recv:   hmac.New(newHash, hmacKey(key, in, size)),
		size:   size,
		replay: newReplayWindow(s.window, s.time),
	}, nil
}

// Mode returns ModeAuth.
func (a *TLSAuth) Mode() Mode { return ModeAuth }

// Overhead returns the HMAC size plus the 8-byte replay id.
func (a *TLSAuth) Overhead(packet.Opcode) int { return a.size + replayIDSize }

// Wrap appends the tls-auth form of p to dst.
func (a *TLSAuth) Wrap(dst []byte, p *packet.Control) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return dst, fmt.Errorf("tls-auth wrap: %w", err)
	}
	id, epoch, err := a.sendID.next(a.s.now())
	if err != nil {
		return dst, fmt.Errorf("tls-auth wrap: %w", err)
	}
	start := len(dst)
	out, _ := p.Header().Append(dst)
	macAt := len(out)
	out = append(out, make([]byte, a.size)...)
	pidAt := len(out)
	out = binary.BigEndian.AppendUint32(out, id)
	out = binary.BigEndian.AppendUint32(out, epoch)
	bodyAt := len(out)
	out, _ = p.AppendBody(out)

	sum := a.mac(a.send, a.sum[:0], out[pidAt:bodyAt], out[start:macAt], out[bodyAt:])
	copy(out[macAt:pidAt], sum)
	return out, nil
}

// Unwrap verifies the HMAC and the replay id and returns header and body.
func (a *TLSAuth) Unwrap(wire []byte) (packet.Header, []byte, error) {
	h, err := packet.DecodeHeader(wire)
	if err != nil {
		return packet.Header{}, nil, fmt.Errorf("tls-auth unwrap: %w", err)
	}
	macAt := packet.HeaderSize
	pidAt := macAt + a.size
	bodyAt := pidAt + replayIDSize
	if len(wire) < bodyAt {
		return packet.Header{}, nil, fmt.Errorf("tls-auth unwrap: %w", packet.ErrTruncated)
	}
	sum := a.mac(a.recv, a.chk[:0], wire[pidAt:bodyAt], wire[:macAt], wire[bodyAt:])
	if !hmac.Equal(sum, wire[macAt:pidAt]) {
		return packet.Header{}, nil, fmt.Errorf("tls-auth unwrap %v: %w", h.Opcode, ErrAuth)
	}
	id := binary.BigEndian.Uint32(wire[pidAt:])
	epoch := binary.BigEndian.Uint32(wire[pidAt+4:])
	now := a.s.now()
	if err := a.replay.check(id, epoch, now); err != nil {
		return packet.Header{}, nil, fmt.Errorf("tls-auth unwrap %v: %w", h.Opcode, err)
	}
	a.replay.accept(id, epoch, now)
	return h, wire[bodyAt:], nil
}

// mac computes the HMAC over pid‖time, op‖sid, body, in that order.
func (a *TLSAuth) mac(m hash.Hash, dst, pid, head, body []byte) []byte {
	m.Reset()
	m.Write(pid)
	m.Write(head)
	m.Write(body)
	return m.Sum(dst)
}
