package packet

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Early negotiation (OpenVPN 2.6, ssl_pkt.h). A client announces support by
// starting its tls-wrap replay packet-id counter at EarlyNegStart, so the
// first replay id on the wire is EarlyNegStart+1; the server tests only the
// top byte (EarlyNegMask). A server that sees it may put TLVs
//
//	type(2) length(2) value(length)    (big-endian)
//
// in the payload of its hard reset instead of leaving it empty. The client
// parses the payload of every hard reset it receives this way (an empty
// payload has no TLVs); a malformed one aborts the session.
const (
	EarlyNegMask  uint32 = 0xff000000
	EarlyNegStart uint32 = 0x0f000000

	// TLVEarlyNegFlags carries a 16-bit flags word.
	TLVEarlyNegFlags uint16 = 0x0001
	// EarlyNegFlagResendWKc asks a tls-crypt-v2 client to send its first
	// control packet (message id 1) as P_CONTROL_WKC_V1 with the WKc appended,
	// because the server kept no state from the client's reset.
	EarlyNegFlagResendWKc uint16 = 0x0001
)

// ErrBadTLV is wrapped by ParseEarlyNegotiation for a malformed TLV list.
var ErrBadTLV = errors.New("malformed early-negotiation tlv")

// EarlyNegotiation is what a peer's hard-reset payload announced.
type EarlyNegotiation struct {
	// Flags is the value of the flags TLV, zero when absent.
	Flags uint16
}

// ResendWKc reports whether the server asked the client to resend its
// wrapped client key on its first control packet.
func (e EarlyNegotiation) ResendWKc() bool { return e.Flags&EarlyNegFlagResendWKc != 0 }

// HasEarlyNegStart reports whether a replay packet id carries the early
// negotiation marker, the same test a 2.6 server applies to a client's
// P_CONTROL_HARD_RESET_CLIENT_V3.
func HasEarlyNegStart(replayID uint32) bool {
	return replayID&EarlyNegMask&EarlyNegStart == EarlyNegStart
}

// ParseEarlyNegotiation parses the TLVs in the payload of a hard reset.
// Unknown types are skipped, as the reference does, so servers can add TLVs.
func ParseEarlyNegotiation(payload []byte) (EarlyNegotiation, error) {
	var e EarlyNegotiation
	b := payload
	for len(b) > 0 {
		if len(b) < 4 {
			return EarlyNegotiation{}, fmt.Errorf("parse early negotiation: %w: short tlv header", ErrBadTLV)
		}
		typ := binary.BigEndian.Uint16(b)
		n := int(binary.BigEndian.Uint16(b[2:]))
		b = b[4:]
		if len(b) < n {
			return EarlyNegotiation{}, fmt.Errorf("parse early negotiation: %w: type %d length %d exceeds payload", ErrBadTLV, typ, n)
		}
		switch typ {
		case TLVEarlyNegFlags:
			if n != 2 {
				return EarlyNegotiation{}, fmt.Errorf("parse early negotiation: %w: flags length %d", ErrBadTLV, n)
			}
			e.Flags |= binary.BigEndian.Uint16(b)
		}
		b = b[n:]
	}
	return e, nil
}

// AppendEarlyNegotiation appends e as TLVs, the payload a 2.6 server puts in
// its reset. Clients never send it; tests and fake servers do.
func AppendEarlyNegotiation(dst []byte, e EarlyNegotiation) []byte {
	if e.Flags == 0 {
		return dst
	}
	dst = binary.BigEndian.AppendUint16(dst, TLVEarlyNegFlags)
	dst = binary.BigEndian.AppendUint16(dst, 2)
	return binary.BigEndian.AppendUint16(dst, e.Flags)
}
