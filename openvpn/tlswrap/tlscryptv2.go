package tlswrap

import (
	"encoding/binary"
	"encoding/pem"
	"fmt"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// tls-crypt-v2, client side (doc/tls-crypt-v2.txt, tls_crypt.c).
//
// The client key file is one PEM block holding Kc (256 bytes, a static key
// used exactly like a tls-crypt key) followed by WKc, Kc and metadata wrapped
// by the server's key, which the client cannot read and sends as is:
//
//	WKc = tag(32) ‖ AES-256-CTR(Kc ‖ metadata) ‖ len(2)   (len = len(WKc))
//
// On the wire the client's reset is P_CONTROL_HARD_RESET_CLIENT_V3, tls-crypt
// wrapped with Kc, with WKc appended in the clear. Its replay packet id
// counter starts at packet.EarlyNegStart, so the ids on the wire are
// 0x0f000001, 0x0f000002, … for the whole session: that marker tells a 2.6
// server the client can resend WKc, so the server answers statelessly and
// may put the EarlyNegFlagResendWKc flag in its reset's TLVs
// (packet.ParseEarlyNegotiation). When it does, the client's packet with
// message id 1 (its first after the reset, carrying the ACK of the server's
// reset, with the ClientHello or empty) must be P_CONTROL_WKC_V1, which this
// wrapper sends with WKc appended; see ssl.c:control_packet_needs_wkc.

const (
	clientKeyPEMType = "OpenVPN tls-crypt-v2 client key"
	// MaxWKcSize is the reference's limit on the wrapped client key.
	MaxWKcSize = 1024
	wkcMinSize = tagSize + StaticKeySize + 2
)

// ClientKeyV2 is a parsed tls-crypt-v2 client key.
type ClientKeyV2 struct {
	Kc  []byte // 256 bytes, used like a tls-crypt static key
	WKc []byte // the wrapped key, opaque to the client, sent in the clear
}

// ParseClientKeyV2 decodes the PEM block "OpenVPN tls-crypt-v2 client key".
// It checks that WKc's trailing length field matches its size, since that is
// how the server will find it at the end of our packets.
func ParseClientKeyV2(pemBytes []byte) (*ClientKeyV2, error) {
	rest := pemBytes
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("parse tls-crypt-v2 client key: %w: no %q PEM block", ErrBadKey, clientKeyPEMType)
		}
		if block.Type != clientKeyPEMType {
			continue
		}
		b := block.Bytes
		if len(b) < StaticKeySize+wkcMinSize {
			return nil, fmt.Errorf("parse tls-crypt-v2 client key: %w: %d bytes is too short", ErrBadKey, len(b))
		}
		k := &ClientKeyV2{Kc: b[:StaticKeySize], WKc: b[StaticKeySize:]}
		if err := checkWKc(k.WKc); err != nil {
			return nil, fmt.Errorf("parse tls-crypt-v2 client key: %w", err)
		}
		return k, nil
	}
}

func checkWKc(wkc []byte) error {
	if len(wkc) < wkcMinSize || len(wkc) > MaxWKcSize {
		return fmt.Errorf("%w: wrapped key is %d bytes", ErrBadKey, len(wkc))
	}
	if n := int(binary.BigEndian.Uint16(wkc[len(wkc)-2:])); n != len(wkc) {
		return fmt.Errorf("%w: wrapped key length field %d, size %d", ErrBadKey, n, len(wkc))
	}
	return nil
}

// NewTLSCryptV2 returns the client-side tls-crypt-v2 wrapper for k. Use a new
// one per session: it starts the replay counter at the early-negotiation mark.
func NewTLSCryptV2(k *ClientKeyV2, opts *Options) (*TLSCrypt, error) {
	if err := checkWKc(k.WKc); err != nil {
		return nil, fmt.Errorf("new tls-crypt-v2: %w", err)
	}
	c, err := newTLSCrypt(k.Kc, false, opts)
	if err != nil {
		return nil, fmt.Errorf("new tls-crypt-v2: %w", err)
	}
	c.v2 = true
	c.wkc = append([]byte(nil), k.WKc...)
	c.sendID.id = packet.EarlyNegStart
	return c, nil
}

// WKcLen returns the size of the wrapped client key appended to
// P_CONTROL_HARD_RESET_CLIENT_V3 and P_CONTROL_WKC_V1 (0 for tls-crypt).
func (c *TLSCrypt) WKcLen() int { return len(c.wkc) }

// stripWKc removes a trailing WKc, located by its last two bytes, the way a
// server does (tls_crypt_v2_extract_client_key).
func stripWKc(wire []byte) ([]byte, error) {
	if len(wire) < packet.HeaderSize+2 {
		return nil, packet.ErrTruncated
	}
	n := int(binary.BigEndian.Uint16(wire[len(wire)-2:]))
	if n < 2 || n > len(wire)-packet.HeaderSize {
		return nil, fmt.Errorf("%w: wrapped key length %d", packet.ErrTruncated, n)
	}
	return wire[:len(wire)-n], nil
}
