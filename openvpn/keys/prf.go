package keys

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"fmt"
	"hash"
	"io"
)

// Sizes of the key-method-2 key source (ssl_common.h: struct key_source).
const (
	PreMasterSize = 48
	RandomSize    = 32
	SessionIDSize = 8
	// masterSize is the intermediate secret of the legacy derivation
	// (ssl.c: uint8_t master[48]).
	masterSize = 48
)

// Labels of the legacy derivation. OpenVPN builds them as KEY_EXPANSION_ID
// ("OpenVPN") plus a suffix; the expansion label has no trailing space, unlike
// what the protocol write-up suggests.
const (
	masterLabel    = "OpenVPN master secret"
	expansionLabel = "OpenVPN key expansion"
)

// SessionID is an 8-byte control-channel session id.
type SessionID [SessionIDSize]byte

// ClientSource is what the client contributes in its key-method-2 message:
// a pre-master secret and two random values. The pre-master secret never
// leaves the TLS tunnel, so it is the secret the legacy derivation rests on.
type ClientSource struct {
	PreMaster [PreMasterSize]byte
	Random1   [RandomSize]byte
	Random2   [RandomSize]byte
}

// ServerSource is what the server contributes: two random values (a server
// sends no pre-master secret).
type ServerSource struct {
	Random1 [RandomSize]byte
	Random2 [RandomSize]byte
}

// NewClientSource fills a ClientSource from r, normally crypto/rand.Reader.
// Every key-method-2 exchange, renegotiations included, needs a fresh one.
func NewClientSource(r io.Reader) (ClientSource, error) {
	var s ClientSource
	if _, err := io.ReadFull(r, s.PreMaster[:]); err != nil {
		return ClientSource{}, fmt.Errorf("new client key source: %w", err)
	}
	if _, err := io.ReadFull(r, s.Random1[:]); err != nil {
		return ClientSource{}, fmt.Errorf("new client key source: %w", err)
	}
	if _, err := io.ReadFull(r, s.Random2[:]); err != nil {
		return ClientSource{}, fmt.Errorf("new client key source: %w", err)
	}
	return s, nil
}

// NewServerSource fills a ServerSource from r. Only tests and fake servers
// need it.
func NewServerSource(r io.Reader) (ServerSource, error) {
	var s ServerSource
	if _, err := io.ReadFull(r, s.Random1[:]); err != nil {
		return ServerSource{}, fmt.Errorf("new server key source: %w", err)
	}
	if _, err := io.ReadFull(r, s.Random2[:]); err != nil {
		return ServerSource{}, fmt.Errorf("new server key source: %w", err)
	}
	return s, nil
}

// String never shows the pre-master secret.
func (ClientSource) String() string { return "keys.ClientSource{redacted}" }

// GoString keeps %#v from printing the pre-master secret.
func (s ClientSource) GoString() string { return s.String() }

// Format makes every fmt verb print the redacted form.
func (s ClientSource) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// Zero overwrites the secret and the randoms.
func (s *ClientSource) Zero() { *s = ClientSource{} }

// DerivePRF computes the key block the legacy way
// (ssl.c:generate_key_expansion_openvpn_prf):
//
//	master = PRF(client.PreMaster, "OpenVPN master secret" ‖ client.Random1 ‖ server.Random1)[:48]
//	block  = PRF(master, "OpenVPN key expansion" ‖ client.Random2 ‖ server.Random2 ‖ clientSID ‖ serverSID)[:256]
//
// The order is always client first, whichever side computes it: getting it
// wrong yields keys that look fine and decrypt nothing. clientSID is the
// client's own control-channel session id, serverSID the one the server sent
// in its HARD_RESET_SERVER_V2.
func DerivePRF(client *ClientSource, server *ServerSource, clientSID, serverSID SessionID) Material {
	var master [masterSize]byte
	seed := make([]byte, 0, len(expansionLabel)+2*RandomSize+2*SessionIDSize)

	seed = append(seed, masterLabel...)
	seed = append(seed, client.Random1[:]...)
	seed = append(seed, server.Random1[:]...)
	PRF(master[:], client.PreMaster[:], seed)

	seed = append(seed[:0], expansionLabel...)
	seed = append(seed, client.Random2[:]...)
	seed = append(seed, server.Random2[:]...)
	seed = append(seed, clientSID[:]...)
	seed = append(seed, serverSID[:]...)
	var m Material
	PRF(m[:], master[:], seed)

	clear(master[:])
	return m
}

// PRF fills dst with the TLS 1.0/1.1 pseudo-random function of RFC 2246
// §5: P_MD5(S1, seed) XOR P_SHA1(S2, seed), where S1 is the first and S2 the
// last ceil(len(secret)/2) bytes of secret (they share the middle byte when
// the length is odd). OpenVPN passes label ‖ seed as one seed
// (crypto_openssl.c:ssl_tls1_PRF with EVP_md5_sha1), and so does this
// function's caller.
func PRF(dst, secret, seed []byte) {
	half := (len(secret) + 1) / 2
	s1 := secret[:half]
	s2 := secret[len(secret)-half:]

	pHash(dst, md5.New, s1, seed, false)
	pHash(dst, sha1.New, s2, seed, true)
}

// pHash writes P_hash(secret, seed) into dst, or XORs it in when xor is set:
//
//	A(0) = seed, A(i) = HMAC(secret, A(i-1))
//	P_hash = HMAC(secret, A(1) ‖ seed) ‖ HMAC(secret, A(2) ‖ seed) ‖ …
func pHash(dst []byte, h func() hash.Hash, secret, seed []byte, xor bool) {
	mac := hmac.New(h, secret)
	mac.Write(seed)
	a := mac.Sum(nil)

	var block []byte
	for off := 0; off < len(dst); {
		mac.Reset()
		mac.Write(a)
		mac.Write(seed)
		block = mac.Sum(block[:0])

		n := len(dst) - off
		if n > len(block) {
			n = len(block)
		}
		if xor {
			for i := range n {
				dst[off+i] ^= block[i]
			}
		} else {
			copy(dst[off:off+n], block[:n])
		}
		off += n

		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
	clear(block)
	clear(a)
}
