// Package keys derives OpenVPN data-channel key material.
//
// OpenVPN 2.6 fills a 256-byte key block (struct key2) in one of two ways:
//
//   - the legacy OpenVPN PRF: the TLS 1.0/1.1 PRF (P_MD5 ⊕ P_SHA1) run twice
//     over random values both peers exchanged in the key-method-2 messages and
//     the two control-channel session ids. It does not use the TLS master
//     secret at all (ssl.c:generate_key_expansion_openvpn_prf);
//   - TLS keying-material export (RFC 5705) with the label
//     "EXPORTER-OpenVPN-datakeys" and no context, when the client announced
//     IV_PROTO_TLS_KEY_EXPORT and the server pushed "key-derivation tls-ekm" or
//     "protocol-flags … tls-ekm" (ssl.c:generate_key_expansion_tls_export).
//
// Either way the block is two halves of {cipher[64], hmac[64]}; the client
// encrypts with the first and decrypts with the second, the server the other
// way round. The package never prints key bytes: every type that holds them
// has a String method that redacts.
package keys

import (
	"crypto/subtle"
	"fmt"
	"io"
)

// Sizes of the key block and of its parts (crypto.h: MAX_CIPHER_KEY_LENGTH,
// MAX_HMAC_KEY_LENGTH, struct key2).
const (
	// SlotSize is the size of one cipher or HMAC slot.
	SlotSize = 64
	// DirectionSize is one direction's {cipher, hmac} pair.
	DirectionSize = 2 * SlotSize
	// MaterialSize is the whole key block: two directions.
	MaterialSize = 2 * DirectionSize
)

// Direction is one direction's slot pair of the key block (OpenVPN's struct
// key). The data channel takes the prefix of Cipher its cipher needs; HMAC
// holds the CBC HMAC key or, for AEAD ciphers, the 8-byte implicit IV in its
// first bytes. The layout matches datachannel.Key, so a conversion
// datachannel.Key(d) is all the glue needed.
type Direction struct {
	Cipher [SlotSize]byte
	HMAC   [SlotSize]byte
}

// String never shows key bytes, so a Direction can be logged by accident
// without leaking it.
func (Direction) String() string { return "keys.Direction{redacted}" }

// GoString keeps %#v from printing the key bytes too.
func (d Direction) GoString() string { return d.String() }

// Format makes every fmt verb (%x and %d included) print the redacted form.
func (d Direction) Format(f fmt.State, _ rune) { io.WriteString(f, d.String()) }

// Zero overwrites the key bytes.
func (d *Direction) Zero() { *d = Direction{} }

// Material is the 256-byte key block: keys[0] then keys[1], each
// {cipher[64], hmac[64]}. keys[0] is the client-to-server direction.
type Material [MaterialSize]byte

// half returns keys[i].
func (m *Material) half(i int) Direction {
	var d Direction
	off := i * DirectionSize
	copy(d.Cipher[:], m[off:off+SlotSize])
	copy(d.HMAC[:], m[off+SlotSize:off+DirectionSize])
	return d
}

// ClientSend is keys[0], the keys a client encrypts with (and the server
// decrypts with).
func (m *Material) ClientSend() Direction { return m.half(0) }

// ClientReceive is keys[1], the keys a client decrypts with (and the server
// encrypts with).
func (m *Material) ClientReceive() Direction { return m.half(1) }

// ServerSend is the server's encrypting half, keys[1]: the mirror of
// ClientReceive. It exists so tests can play the server.
func (m *Material) ServerSend() Direction { return m.half(1) }

// ServerReceive is the server's decrypting half, keys[0].
func (m *Material) ServerReceive() Direction { return m.half(0) }

// Equal compares two key blocks in constant time.
func (m *Material) Equal(o *Material) bool {
	return subtle.ConstantTimeCompare(m[:], o[:]) == 1
}

// Zero overwrites the key block; call it once the data channel has its keys.
func (m *Material) Zero() { *m = Material{} }

// String never shows key bytes.
func (Material) String() string { return "keys.Material{redacted}" }

// GoString keeps %#v from printing the key bytes.
func (m Material) GoString() string { return m.String() }

// Format makes every fmt verb print the redacted form, for values as well as
// pointers.
func (m Material) Format(f fmt.State, _ rune) { io.WriteString(f, m.String()) }
