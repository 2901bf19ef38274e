package datachannel

// A Channel turns IP packets into OpenVPN data packets and back, in the
// caller's buffer, without copying the payload:
//
//	Seal, AEAD (wire = buf[start:end], returned as one slice)
//	 start                                 off            off+n
//	 │ ◀─────────── headroom ────────────▶ │                │ ◀─ tailroom ─▶
//	 ┊ [len 2] hdr 1|4 │ pid 4 │ tag 16 │ [comp] ciphertext [comp] ┊ scratch
//	                    └─ AAD (V2: hdr‖pid, V1: pid)
//	The AEAD writes ciphertext over the plaintext and its tag just past the
//	end; the 16-byte tag is then moved into the slot in front — the payload
//	never moves. The nonce (pid ‖ implicit IV) is assembled in that same
//	slot before the tag lands there.
//
//	Seal, CBC
//	 ┊ [len 2] hdr │ HMAC(iv‖ct) 20|32|64 │ IV 16 │ E(pid 4 ‖ [comp] data [comp] ‖ pad 1..16) ┊
//
//	Open, AEAD: hdr │ pid │ tag │ ct ┊ 16 bytes of tailroom
//	The tag is copied behind the ciphertext (Go's AEADs want ct‖tag) and the
//	plaintext is decrypted over the ciphertext. Without tailroom the
//	ciphertext is moved back over the tag slot instead, which costs a copy.
//
// Everything around the payload — compression framing, packet-id, tag or
// HMAC and IV, opcode header — is written into headroom and tailroom the
// caller reserved; "[len 2]" is the TCP length prefix the transport may put
// in front, for which Seal always leaves room.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/chacha20poly1305"
)

// Wire sizes.
const (
	opDataV1 = 6 // P_DATA_V1
	opDataV2 = 9 // P_DATA_V2

	hdrV1Len   = 1
	hdrV2Len   = 4
	pidLen     = 4
	tagLen     = 16 // OPENVPN_AEAD_TAG_LENGTH
	ivLen      = 16 // CBC IV, the AES block size
	maxMACLen  = 64 // HMAC-SHA512
	implIVLen  = 8  // AEAD implicit IV: nonce is pid(4) ‖ implicit IV(8)
	maxPeerID  = 1<<24 - 1
	maxKeyID   = 7
	keyIDMask  = 7 // P_KEY_ID_MASK: the low 3 bits of the first byte
	blockSize  = aes.BlockSize
	pidMaximum = 1<<32 - 1
)

// RekeyPacketID is the sent packet-id at which OpenVPN renegotiates
// (PACKET_ID_WRAP_TRIGGER), leaving 16M packets of margin before the
// packet-id would wrap; NeedsRekey reports crossing it.
const RekeyPacketID = 0xFF000000

// TCPPrefixRoom is the room Seal always leaves in front of the packet it
// returns, for the 16-bit length a stream transport prepends.
const TCPPrefixRoom = 2

// Headroom is the space Seal needs in front of the payload in the worst
// case: TCP length 2 + V2 header 4 + HMAC-SHA512 64 + IV 16 + packet-id 4 +
// compression framing 2 = 92, rounded up to 96 so a payload placed at
// Headroom in a 16-byte-aligned pooled buffer stays aligned.
const Headroom = 96

// Tailroom is the capacity Seal needs after the payload in the worst case:
// swap framing 1 + AEAD tag 16 (or CBC padding up to 16) = 17, rounded up.
// Open uses 16 bytes of it to move the AEAD tag behind the ciphertext.
const Tailroom = 32

// Key is one direction's slot of OpenVPN's key block (struct key): the
// cipher key is the prefix of Cipher that the cipher needs, and HMAC holds
// the CBC HMAC key or, for AEAD ciphers, the implicit IV in its first 8
// bytes.
type Key struct {
	Cipher [64]byte
	HMAC   [64]byte
}

// Config describes one negotiated data-channel key (one key_id).
type Config struct {
	// Cipher is the negotiated data cipher, case-insensitive: AES-128-GCM,
	// AES-192-GCM, AES-256-GCM, CHACHA20-POLY1305, AES-128-CBC,
	// AES-192-CBC or AES-256-CBC.
	Cipher string
	// Auth is the HMAC digest for CBC ciphers: SHA1, SHA256 or SHA512
	// (case-insensitive; empty means SHA1, OpenVPN's default). AEAD ciphers
	// ignore it.
	Auth string
	// Send and Recv are the direction keys. A client sends with keys[0] and
	// receives with keys[1] of the key block; a server is the mirror image.
	Send, Recv Key
	// KeyID is the control channel's key_id for this key, 0..7.
	KeyID uint8
	// UsePeerID selects P_DATA_V2 carrying PeerID (24 bits). OpenVPN sends
	// P_DATA_V2 only when the server pushed "peer-id"; otherwise P_DATA_V1.
	UsePeerID bool
	PeerID    uint32
	// Compression is the compression framing in force.
	Compression Compression
}

// Stats are a key's counters. Bytes count whole wire packets.
type Stats struct {
	PacketsOut, BytesOut uint64
	PacketsIn, BytesIn   uint64
	AuthFailures         uint64
	Replays              uint64
	Malformed            uint64 // short, garbage, or compressed packets
}

// Channel seals and opens data packets for one key_id.
//
// Seal may be called from any number of goroutines (the tunnel's send path
// and the keepalive timer, say): packet-ids come from an atomic counter and
// all mutable per-call state is per call. Open must be called from one
// goroutine at a time per Channel — the receive path that dispatched the
// packet by key_id — because the replay window and scratch state are
// unsynchronised; that is what keeps it lock-free.
type Channel struct {
	// Immutable after New.
	aead    bool
	hdrLen  int
	hdr     [4]byte // hdr[:hdrLen] is the opcode/key-id (and peer-id) header
	keyID   uint8
	comp    Compression
	macLen  int
	headMin int // bytes Seal needs before the payload (excluding TCP prefix)
	tailMin int // bytes Seal needs after the payload

	sendAEAD cipher.AEAD
	recvAEAD cipher.AEAD
	sendIV   [implIVLen]byte

	sendBlock cipher.Block
	recvBlock cipher.Block
	// ivBlock generates CBC IVs: IV = AES-256(K, 0^12 ‖ pid) under a random
	// per-Channel key K. That is a block cipher in counter mode under a
	// secret random key — CTR_DRBG in miniature, and NIST SP 800-38A
	// appendix C's recommended way to make unpredictable CBC IVs. pid never
	// repeats for this key, so IVs never repeat, and without K they cannot
	// be predicted. It needs no mutable state (so concurrent Seals need no
	// lock) and costs one block encryption.
	ivBlock cipher.Block
	sealers sync.Pool // *cbcSealer: HMAC state is mutable, so one per Seal in flight

	_       [64]byte // keep the send counters off the cache line of the receive ones
	lastPID atomic.Uint64
	pktsOut atomic.Uint64
	octsOut atomic.Uint64
	_       [64]byte

	// Receive side: owned by the Open goroutine.
	window   replayWindow
	recvMAC  hash.Hash
	macSum   [maxMACLen]byte
	nonce    [12]byte // pid ‖ recv implicit IV; the IV half is set once in New
	tagSpare [tagLen]byte
	pktsIn   atomic.Uint64
	octsIn   atomic.Uint64
	authFail atomic.Uint64
	replays  atomic.Uint64
	badPkts  atomic.Uint64
}

type cbcSealer struct {
	mac hash.Hash
	sum [maxMACLen]byte
}

type suite struct {
	keyLen int
	aead   func(key []byte) (cipher.AEAD, error) // nil for CBC
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

var suites = map[string]suite{
	"AES-128-GCM":       {16, newGCM},
	"AES-192-GCM":       {24, newGCM},
	"AES-256-GCM":       {32, newGCM},
	"CHACHA20-POLY1305": {chacha20poly1305.KeySize, chacha20poly1305.New},
	"AES-128-CBC":       {16, nil},
	"AES-192-CBC":       {24, nil},
	"AES-256-CBC":       {32, nil},
}

var digests = map[string]func() hash.Hash{
	"":       sha1.New,
	"SHA1":   sha1.New,
	"SHA256": sha256.New,
	"SHA512": sha512.New,
}

// New builds a Channel for one negotiated key.
func New(cfg Config) (*Channel, error) {
	s, ok := suites[strings.ToUpper(cfg.Cipher)]
	if !ok {
		return nil, fmt.Errorf("datachannel: new: %w %q", ErrUnsupportedCipher, cfg.Cipher)
	}
	if cfg.KeyID > maxKeyID {
		return nil, fmt.Errorf("datachannel: new: key id %d out of range 0..7", cfg.KeyID)
	}
	if cfg.UsePeerID && cfg.PeerID > maxPeerID {
		return nil, fmt.Errorf("datachannel: new: peer-id %d does not fit 24 bits", cfg.PeerID)
	}
	if cfg.Compression > CompV2 {
		return nil, fmt.Errorf("datachannel: new: unknown compression framing %d", cfg.Compression)
	}
	c := &Channel{keyID: cfg.KeyID, comp: cfg.Compression, aead: s.aead != nil}
	if cfg.UsePeerID {
		c.hdrLen = hdrV2Len
		c.hdr = [4]byte{opDataV2<<3 | cfg.KeyID, byte(cfg.PeerID >> 16), byte(cfg.PeerID >> 8), byte(cfg.PeerID)}
	} else {
		c.hdrLen = hdrV1Len
		c.hdr[0] = opDataV1<<3 | cfg.KeyID
	}
	var err error
	if c.aead {
		if c.sendAEAD, err = s.aead(cfg.Send.Cipher[:s.keyLen]); err != nil {
			return nil, fmt.Errorf("datachannel: new: send key: %w", err)
		}
		if c.recvAEAD, err = s.aead(cfg.Recv.Cipher[:s.keyLen]); err != nil {
			return nil, fmt.Errorf("datachannel: new: receive key: %w", err)
		}
		copy(c.sendIV[:], cfg.Send.HMAC[:implIVLen])
		copy(c.nonce[pidLen:], cfg.Recv.HMAC[:implIVLen])
		c.headMin = c.hdrLen + pidLen + tagLen + maxCompHead
		c.tailMin = tagLen + maxCompTail
		return c, nil
	}

	newHash, ok := digests[strings.ToUpper(cfg.Auth)]
	if !ok {
		return nil, fmt.Errorf("datachannel: new: %w %q", ErrUnsupportedAuth, cfg.Auth)
	}
	if c.sendBlock, err = aes.NewCipher(cfg.Send.Cipher[:s.keyLen]); err != nil {
		return nil, fmt.Errorf("datachannel: new: send key: %w", err)
	}
	if c.recvBlock, err = aes.NewCipher(cfg.Recv.Cipher[:s.keyLen]); err != nil {
		return nil, fmt.Errorf("datachannel: new: receive key: %w", err)
	}
	var ivKey [32]byte
	if _, err := rand.Read(ivKey[:]); err != nil {
		return nil, fmt.Errorf("datachannel: new: iv key: %w", err)
	}
	if c.ivBlock, err = aes.NewCipher(ivKey[:]); err != nil {
		return nil, fmt.Errorf("datachannel: new: iv key: %w", err)
	}
	c.macLen = newHash().Size()
	c.recvMAC = hmac.New(newHash, cfg.Recv.HMAC[:c.macLen])
	sendMACKey := cfg.Send.HMAC // a copy: the pool outlives cfg
	c.sealers.New = func() any {
		return &cbcSealer{mac: hmac.New(newHash, sendMACKey[:c.macLen])}
	}
	c.headMin = c.hdrLen + c.macLen + ivLen + pidLen + maxCompHead
	c.tailMin = blockSize + maxCompTail
	return c, nil
}

// KeyID returns the key_id this Channel seals with and accepts.
func (c *Channel) KeyID() uint8 { return c.keyID }

// Overhead returns the most bytes Seal adds to a payload with this
// configuration, for MTU and MSS arithmetic (excluding any TCP length).
func (c *Channel) Overhead() int {
	comp := 0
	switch c.comp {
	case CompLZO, CompSwap:
		comp = 1
	case CompV2:
		comp = 2
	}
	if c.aead {
		return c.hdrLen + pidLen + tagLen + comp
	}
	return c.hdrLen + c.macLen + ivLen + pidLen + blockSize + comp
}

// NeedsRekey reports whether the packet-ids sent under this key passed
// RekeyPacketID; the session should renegotiate then, long before Seal
// starts failing with ErrPacketIDExhausted.
func (c *Channel) NeedsRekey() bool { return c.lastPID.Load() >= RekeyPacketID }

// Stats returns a snapshot of the counters.
func (c *Channel) Stats() Stats {
	return Stats{
		PacketsOut:   c.pktsOut.Load(),
		BytesOut:     c.octsOut.Load(),
		PacketsIn:    c.pktsIn.Load(),
		BytesIn:      c.octsIn.Load(),
		AuthFailures: c.authFail.Load(),
		Replays:      c.replays.Load(),
		Malformed:    c.badPkts.Load(),
	}
}
