package keymethod2

import (
	"encoding/binary"
	"fmt"
)

// Framing selects a key-method-2 message layout.
type Framing uint8

const (
	// FramingStock is OpenVPN 2.x's layout: a zero u32 header and u16 string
	// lengths.
	FramingStock Framing = iota
	// FramingAWS is AWS Client VPN's layout for auth-federate profiles: a
	// little-endian u32 total length as the header and u32 big-endian string
	// lengths (absent strings too), as in the patches published with
	// samm-git/aws-vpn-client (openvpn-v2.4.9-aws.patch,
	// openvpn-v2.5.1-aws.patch).
	FramingAWS
)

func (f Framing) String() string {
	switch f {
	case FramingStock:
		return "stock"
	case FramingAWS:
		return "aws"
	}
	return fmt.Sprintf("Framing(%d)", uint8(f))
}

// lenSize is the width of a string length.
func (f Framing) lenSize() int {
	if f == FramingAWS {
		return 4
	}
	return 2
}

// Fixed parts of the messages.
const (
	headerSize = 4 // the u32 before the key method
	keyMethod  = 2 // KEY_METHOD_2
	// keyMethodMask keeps the method from the byte that also has room for
	// flags (ssl.h: KEY_METHOD_MASK).
	keyMethodMask = 0x0F
)

// appendString writes s as present: length (counting the NUL), bytes, NUL.
func appendString(b []byte, f Framing, s string) []byte {
	n := len(s) + 1
	if f == FramingAWS {
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	} else {
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	}
	b = append(b, s...)
	return append(b, 0)
}

// appendAbsent writes an absent string: a zero length and nothing else
// (ssl.c:write_empty_string; AWS's patch widens it to u32 as well).
func appendAbsent(b []byte, f Framing) []byte {
	if f == FramingAWS {
		return binary.BigEndian.AppendUint32(b, 0)
	}
	return binary.BigEndian.AppendUint16(b, 0)
}

// reader walks a received message. It never panics on short or hostile
// input: every read checks the remaining length first.
type reader struct {
	b []byte
	f Framing
}

// fixed copies len(dst) bytes, or reports that the message is too short.
func (r *reader) fixed(dst []byte) bool {
	if len(r.b) < len(dst) {
		return false
	}
	copy(dst, r.b)
	r.b = r.b[len(dst):]
	return true
}

// str reads one string. present is false for an absent (zero-length) string
// and ok false when the bytes run out or the length is impossible. The text
// stops at the first NUL, like OpenVPN's C strings.
func (r *reader) str() (s string, present, ok bool) {
	w := r.f.lenSize()
	if len(r.b) < w {
		return "", false, false
	}
	var n uint64
	if w == 4 {
		n = uint64(binary.BigEndian.Uint32(r.b))
	} else {
		n = uint64(binary.BigEndian.Uint16(r.b))
	}
	r.b = r.b[w:]
	if n == 0 {
		return "", false, true
	}
	if n > uint64(len(r.b)) {
		return "", false, false
	}
	raw := r.b[:n]
	r.b = r.b[n:]
	for i, c := range raw {
		if c == 0 {
			raw = raw[:i]
			break
		}
	}
	return string(raw), true, true
}

// detectFraming looks at a received message's header. Stock peers write
// zero; AWS-style peers write the total length little-endian. A nonzero
// header that is not the length is ignored, as stock OpenVPN discards the
// header unread.
func detectFraming(b []byte) Framing {
	if len(b) < headerSize {
		return FramingStock
	}
	h := binary.LittleEndian.Uint32(b)
	if h != 0 && uint64(h) == uint64(len(b)) {
		return FramingAWS
	}
	return FramingStock
}
