package tlswrap

import (
	"bytes"
	"encoding/hex"
	"fmt"
)

// StaticKeySize is the size of an OpenVPN static key (--genkey secret, the
// tls-auth and tls-crypt key files): two {cipher[64], hmac[64]} halves.
const StaticKeySize = 256

const (
	staticKeyHead = "-----BEGIN OpenVPN Static key V1-----"
	staticKeyFoot = "-----END OpenVPN Static key V1-----"
	halfSize      = StaticKeySize / 2
	cipherOffset  = 0
	hmacOffset    = 64
)

// KeyDirection is tls-auth's --key-direction. tls-crypt ignores it: there a
// client always uses the inverse direction.
type KeyDirection int

// Key directions. A client configured with "key-direction 1" (the usual
// pairing with a server's "key-direction 0") uses KeyDirectionInverse.
const (
	KeyDirectionNone    KeyDirection = -1 // both ways use the first half
	KeyDirectionNormal  KeyDirection = 0  // send with half 0, receive with half 1
	KeyDirectionInverse KeyDirection = 1  // send with half 1, receive with half 0
)

// halves returns which key half (0 or 1) is used to send and to receive,
// as crypto.c:key_direction_state_init does.
func (d KeyDirection) halves() (out, in int, err error) {
	switch d {
	case KeyDirectionNone:
		return 0, 0, nil
	case KeyDirectionNormal:
		return 0, 1, nil
	case KeyDirectionInverse:
		return 1, 0, nil
	}
	return 0, 0, fmt.Errorf("%w: key direction %d", ErrBadKey, int(d))
}

func cipherKey(key []byte, half, n int) []byte {
	off := half*halfSize + cipherOffset
	return key[off : off+n]
}

func hmacKey(key []byte, half, n int) []byte {
	off := half*halfSize + hmacOffset
	return key[off : off+n]
}

// ParseStaticKey decodes an "OpenVPN Static key V1" file, as written by
// openvpn --genkey, into its 256 bytes. Text outside the BEGIN/END lines
// (comments) is ignored; inside them only hex digits and white space are
// allowed. The reference also accepts a file holding a single 128-byte half
// for direction-less use; nothing generates those any more, so we do not.
func ParseStaticKey(text []byte) ([]byte, error) {
	_, rest, ok := bytes.Cut(text, []byte(staticKeyHead))
	if !ok {
		return nil, fmt.Errorf("parse static key: %w: no %q line", ErrBadKey, staticKeyHead)
	}
	body, _, ok := bytes.Cut(rest, []byte(staticKeyFoot))
	if !ok {
		return nil, fmt.Errorf("parse static key: %w: no %q line", ErrBadKey, staticKeyFoot)
	}
	digits := make([]byte, 0, 2*StaticKeySize)
	for _, c := range body {
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
		case ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F'):
			digits = append(digits, c)
		default:
			return nil, fmt.Errorf("parse static key: %w: unexpected character %q", ErrBadKey, c)
		}
	}
	if len(digits) != 2*StaticKeySize {
		return nil, fmt.Errorf("parse static key: %w: %d bytes, want %d", ErrBadKey, len(digits)/2, StaticKeySize)
	}
	key := make([]byte, StaticKeySize)
	if _, err := hex.Decode(key, digits); err != nil {
		return nil, fmt.Errorf("parse static key: %w: %v", ErrBadKey, err)
	}
	return key, nil
}

func checkStaticKey(key []byte) error {
	if len(key) != StaticKeySize {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadKey, len(key), StaticKeySize)
	}
	return nil
}
