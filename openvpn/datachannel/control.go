package datachannel

// Payloads the peers exchange through the data channel that are not IP
// packets. OpenVPN recognises them after decryption and decompression by
// these magic strings (ping.c ping_string, occ.c occ_magic); they must never
// reach the TUN device.
var (
	pingMagic = [16]byte{
		0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb,
		0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48,
	}
	occMagic = [16]byte{
		0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81,
		0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c,
	}
)

// PingSize is the length of a keepalive payload.
const PingSize = len(pingMagic)

// OCC opcodes (occ.h). A client only needs OCCExit, for
// explicit-exit-notify when the server did not negotiate cc-exit; the others
// are listed so that a received one can be named in logs.
const (
	OCCRequest        byte = 0
	OCCReply          byte = 1
	OCCMTULoadRequest byte = 2
	OCCMTULoad        byte = 3
	OCCMTURequest     byte = 4
	OCCMTUReply       byte = 5
	OCCExit           byte = 6
)

// OCCExitSize is the length of an OCC_EXIT payload: the magic and the opcode.
const OCCExitSize = len(occMagic) + 1

// Kind says what an opened packet carries.
type Kind uint8

const (
	// KindData is an IP packet for the TUN device.
	KindData Kind = iota + 1
	// KindPing is a keepalive. It proves the peer is alive and is dropped.
	KindPing
	// KindOCC is an OCC message; the returned payload starts with the
	// opcode (for example OCCExit: the server is going away).
	KindOCC
)

func (k Kind) String() string {
	switch k {
	case KindData:
		return "data"
	case KindPing:
		return "ping"
	case KindOCC:
		return "occ"
	}
	return "unknown"
}

// PutPing writes the keepalive payload at the start of p (len ≥ PingSize)
// and returns its length, so the session can Seal it through the same path
// as data: buf[off:off+PutPing(buf[off:])].
func PutPing(p []byte) int {
	return copy(p[:PingSize], pingMagic[:])
}

// PutOCCExit writes an OCC_EXIT payload at the start of p
// (len ≥ OCCExitSize) and returns its length. The client sends it a few
// times on disconnect (explicit-exit-notify) so the server frees the session
// at once instead of waiting for ping-restart.
func PutOCCExit(p []byte) int {
	_ = p[OCCExitSize-1]
	copy(p, occMagic[:])
	p[len(occMagic)] = OCCExit
	return OCCExitSize
}

// classify recognises pings and OCC messages in a decrypted, unframed
// payload. OpenVPN matches the ping by exact length and content, and OCC by
// prefix.
func classify(p []byte) (Kind, []byte, error) {
	switch {
	case len(p) == PingSize && [PingSize]byte(p) == pingMagic:
		return KindPing, p, nil
	case len(p) >= len(occMagic) && [16]byte(p[:16]) == occMagic:
		if len(p) == len(occMagic) {
			return 0, nil, errOpenOCC
		}
		return KindOCC, p[len(occMagic):], nil
	}
	return KindData, p, nil
}
