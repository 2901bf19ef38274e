package datachannel

import (
	"errors"
	"fmt"
)

// Sentinel errors. Open and Seal wrap them with the operation and the detail;
// test with errors.Is. Callers drop the packet in every case, but count and
// log them differently: ErrAuth and ErrReplay are expected on the open
// Internet, ErrCompressed is a server misconfiguration worth telling the user
// about, ErrPacketIDExhausted means the key must be replaced now.
var (
	// ErrAuth means the AEAD tag or the HMAC did not verify.
	ErrAuth = errors.New("authentication failed")
	// ErrReplay means the packet-id was 0, already seen, or older than the
	// replay window.
	ErrReplay = errors.New("replayed or too old packet-id")
	// ErrMalformed means the packet is too short, is not a data packet for
	// this key, or decrypted to something that is not valid framing.
	ErrMalformed = errors.New("malformed data packet")
	// ErrCompressed means the peer really compressed a packet. cvpn only
	// implements the compression framing, never the algorithms.
	ErrCompressed = errors.New("peer sent a compressed packet, which cvpn does not support: " +
		"the server should push \"compress stub-v2\" or run with \"allow-compression no\"")
	// ErrPacketIDExhausted means all 2^32-1 packet-ids of this key were used.
	// Sealing more would reuse an AEAD nonce, so the key is dead.
	ErrPacketIDExhausted = errors.New("packet-id space exhausted, key must be renegotiated")
	// ErrNoRoom means the buffer given to Seal lacks headroom or tailroom.
	ErrNoRoom = errors.New("not enough headroom or tailroom in buffer")
	// ErrUnsupportedCipher means New was given a cipher it does not know.
	ErrUnsupportedCipher = errors.New("unsupported data-channel cipher")
	// ErrUnsupportedAuth means New was given a CBC digest it does not know.
	ErrUnsupportedAuth = errors.New("unsupported data-channel auth digest")
)

// Pre-wrapped errors for the per-packet paths: building them with fmt.Errorf
// on every bad packet would allocate, which a flood of garbage could turn
// into GC pressure.
var (
	errSealEmpty = errors.New("datachannel: seal: empty payload")
	errSealRoom  = fmt.Errorf("datachannel: seal: %w", ErrNoRoom)
	errSealPID   = fmt.Errorf("datachannel: seal: %w", ErrPacketIDExhausted)

	errOpenOpcode   = fmt.Errorf("datachannel: open: not a data packet: %w", ErrMalformed)
	errOpenKeyID    = fmt.Errorf("datachannel: open: key id does not match this key: %w", ErrMalformed)
	errOpenShort    = fmt.Errorf("datachannel: open: packet too short: %w", ErrMalformed)
	errOpenBlocks   = fmt.Errorf("datachannel: open: cbc ciphertext is not whole blocks: %w", ErrMalformed)
	errOpenPadding  = fmt.Errorf("datachannel: open: bad cbc padding: %w", ErrMalformed)
	errOpenEmpty    = fmt.Errorf("datachannel: open: empty payload: %w", ErrMalformed)
	errOpenCompByte = fmt.Errorf("datachannel: open: bad compression framing byte: %w", ErrMalformed)
	errOpenOCC      = fmt.Errorf("datachannel: open: occ message without opcode: %w", ErrMalformed)
	errOpenTag      = fmt.Errorf("datachannel: open: aead tag mismatch: %w", ErrAuth)
	errOpenHMAC     = fmt.Errorf("datachannel: open: hmac mismatch: %w", ErrAuth)
	errOpenReplay   = fmt.Errorf("datachannel: open: %w", ErrReplay)
	errOpenComp     = fmt.Errorf("datachannel: open: %w", ErrCompressed)
)
