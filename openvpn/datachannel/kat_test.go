package datachannel

// Known-answer tests. They pin the wire format to OpenVPN 2.6's, not just
// to this package's own Open: the expected packets are assembled here
// straight from the layout in docs/openvpn-wire-notes.md §1.4 with
// crypto/cipher, and hex vectors were produced with pyca/cryptography
// (OpenSSL) by testdata/vectors.py, so neither shares code with Seal/Open.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

// katPayload is a 28-byte IPv4/ICMP packet.
var katPayload = mustHex("4500001c00010000400100000a0800010a08000208000000abcd0001")

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func dataHeader(v2 bool, keyID uint8, peerID uint32) []byte {
	if v2 {
		return binary.BigEndian.AppendUint32(nil, uint32(9<<3|keyID)<<24|peerID)
	}
	return []byte{6<<3 | keyID}
}

// refAEAD builds hdr ‖ pid ‖ tag ‖ ct with nonce pid ‖ hmac[:8] and AAD
// hdr‖pid (V2) or pid (V1).
func refAEAD(t *testing.T, name string, k Key, v2 bool, keyID uint8, peerID, pid uint32, framed []byte) []byte {
	t.Helper()
	var a cipher.AEAD
	var err error
	switch name {
	case "CHACHA20-POLY1305":
		a, err = chacha20poly1305.New(k.Cipher[:32])
	default:
		klen := map[string]int{"AES-128-GCM": 16, "AES-192-GCM": 24, "AES-256-GCM": 32}[name]
		var b cipher.Block
		if b, err = aes.NewCipher(k.Cipher[:klen]); err == nil {
			a, err = cipher.NewGCM(b)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	hdr := dataHeader(v2, keyID, peerID)
	pidb := binary.BigEndian.AppendUint32(nil, pid)
	nonce := append(append([]byte{}, pidb...), k.HMAC[:8]...)
	aad := pidb
	if v2 {
		aad = append(append([]byte{}, hdr...), pidb...)
	}
	out := a.Seal(nil, nonce, framed, aad)
	ct, tag := out[:len(out)-16], out[len(out)-16:]
	return bytes.Join([][]byte{hdr, pidb, tag, ct}, nil)
}

var refDigests = map[string]func() hash.Hash{"SHA1": sha1.New, "SHA256": sha256.New, "SHA512": sha512.New}

// refCBC builds hdr ‖ HMAC(iv‖ct) ‖ iv ‖ AES-CBC(pid ‖ framed ‖ PKCS#7).
func refCBC(t *testing.T, klen int, auth string, k Key, v2 bool, keyID uint8, peerID, pid uint32, iv, framed []byte) []byte {
	t.Helper()
	b, err := aes.NewCipher(k.Cipher[:klen])
	if err != nil {
		t.Fatal(err)
	}
	pt := binary.BigEndian.AppendUint32(nil, pid)
	pt = append(pt, framed...)
	pad := 16 - len(pt)%16
	pt = append(pt, bytes.Repeat([]byte{byte(pad)}, pad)...)
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(ct, pt)
	newHash := refDigests[auth]
	m := hmac.New(newHash, k.HMAC[:newHash().Size()])
	m.Write(iv)
	m.Write(ct)
	return bytes.Join([][]byte{dataHeader(v2, keyID, peerID), m.Sum(nil), iv, ct}, nil)
}

// TestKnownAnswerAEAD checks Seal's exact output (AEAD is deterministic)
// against the reference construction, and Open's acceptance of it.
func TestKnownAnswerAEAD(t *testing.T) {
	framings := []struct {
		comp   Compression
		framed []byte
	}{
		{CompNone, katPayload},
		{CompLZO, append([]byte{0xfa}, katPayload...)},
		{CompSwap, append(append([]byte{0xfb}, katPayload[1:]...), katPayload[0])},
	}
	for _, name := range aeadCiphers {
		for _, v2 := range []bool{false, true} {
			for _, f := range framings {
				k := patternKey()
				const keyID, peerID, pid = 5, 0xabcdef, 42
				cfg := Config{Cipher: name, Send: k, Recv: k, KeyID: keyID, UsePeerID: v2, PeerID: peerID, Compression: f.comp}
				c, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				c.lastPID.Store(pid - 1)
				want := refAEAD(t, name, k, v2, keyID, peerID, pid, f.framed)
				got := sealCopy(t, c, katPayload)
				if !bytes.Equal(got, want) {
					t.Errorf("%s v2=%v %s:\n got %x\nwant %x", name, v2, f.comp, got, want)
				}
				if kind, p, err := c.Open(withTailroom(want)); err != nil || kind != KindData || !bytes.Equal(p, katPayload) {
					t.Errorf("%s v2=%v %s: open reference packet: %v", name, v2, f.comp, err)
				}
			}
		}
	}
}

// TestKnownAnswerCBC checks Open's acceptance of reference packets and,
// since Seal's IV is random, checks Seal's output by taking it apart with
// the reference primitives.
func TestKnownAnswerCBC(t *testing.T) {
	for _, name := range cbcCiphers {
		klen := map[string]int{"AES-128-CBC": 16, "AES-192-CBC": 24, "AES-256-CBC": 32}[name]
		for _, auth := range []string{"SHA1", "SHA256", "SHA512"} {
			for _, v2 := range []bool{false, true} {
				k := patternKey()
				const keyID, peerID, pid = 3, 0x000102, 77
				cfg := Config{Cipher: name, Auth: auth, Send: k, Recv: k, KeyID: keyID, UsePeerID: v2, PeerID: peerID}
				c, err := New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				iv := mustHex("000102030405060708090a0b0c0d0e0f")
				ref := refCBC(t, klen, auth, k, v2, keyID, peerID, pid, iv, katPayload)
				if kind, p, err := c.Open(withTailroom(ref)); err != nil || kind != KindData || !bytes.Equal(p, katPayload) {
					t.Errorf("%s/%s v2=%v: open reference packet: %v", name, auth, v2, err)
				}

				c.lastPID.Store(pid - 1)
				got := sealCopy(t, c, katPayload)
				hdr := dataHeader(v2, keyID, peerID)
				macLen := refDigests[auth]().Size()
				if !bytes.Equal(got[:len(hdr)], hdr) {
					t.Fatalf("%s/%s v2=%v: header %x, want %x", name, auth, v2, got[:len(hdr)], hdr)
				}
				gotIV := got[len(hdr)+macLen : len(hdr)+macLen+16]
				// Rebuilding the packet with Seal's IV must give Seal's bytes.
				if want := refCBC(t, klen, auth, k, v2, keyID, peerID, pid, gotIV, katPayload); !bytes.Equal(got, want) {
					t.Errorf("%s/%s v2=%v:\n got %x\nwant %x", name, auth, v2, got, want)
				}
			}
		}
	}
}

// TestOpenSSLVectors opens packets made by pyca/cryptography, and for the
// AEAD ones also checks Seal reproduces them byte for byte.
func TestOpenSSLVectors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Config
		pid    uint32
		wire   string
		sealEq bool
	}{
		{"AES-256-GCM v2", Config{Cipher: "AES-256-GCM", KeyID: 1, UsePeerID: true, PeerID: 0xabc}, 1,
			"49000abc00000001319693f979441c1fc8c376dc1909c9558ecb7ba16bb7a6c955bf54777e3e0822f96539a3f8c9924d5881e7b8", true},
		{"CHACHA20-POLY1305 v1 comp-lzo", Config{Cipher: "CHACHA20-POLY1305", KeyID: 0, Compression: CompLZO}, 7,
			"30000000079c315d3dbcae742819199b4c1f4c284d1e50373989a6a9bc57ee816e01a0ad71b37ca62a82221fa934f59d21ac", true},
		{"AES-256-CBC/SHA1 v1 swap", Config{Cipher: "AES-256-CBC", Auth: "SHA1", KeyID: 2, Compression: CompSwap}, 5,
			"3230fa8763a46709867b9f2264772191a46b688e72a0a1a2a3a4a5a6a7a8a9aaabacadaeafdfe959d80efae4bfbed25261ca2588eb29431f230f57c12e746dc3ca8d5d187d887a6eb58f9e75f9e19a21a8d1fd6f56", false},
	} {
		tc.cfg.Send, tc.cfg.Recv = patternKey(), patternKey()
		c, err := New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		wire := mustHex(tc.wire)
		if kind, p, err := c.Open(withTailroom(wire)); err != nil || kind != KindData || !bytes.Equal(p, katPayload) {
			t.Errorf("%s: open: kind %v err %v payload %x", tc.name, kind, err, p)
		}
		if tc.sealEq {
			c.lastPID.Store(uint64(tc.pid) - 1)
			if got := sealCopy(t, c, katPayload); !bytes.Equal(got, wire) {
				t.Errorf("%s: seal:\n got %x\nwant %x", tc.name, got, wire)
			}
		}
	}

	// AES-128-CBC/SHA512 P_DATA_V2 with the stub-v2 escape (payload starts
	// with 0x50). The payload differs from katPayload in its first byte.
	k := patternKey()
	c, err := New(Config{Cipher: "AES-128-CBC", Auth: "SHA512", Send: k, Recv: k, KeyID: 3, UsePeerID: true, PeerID: 7, Compression: CompV2})
	if err != nil {
		t.Fatal(err)
	}
	wire := mustHex("4b0000070b55b25aa923e6d783074cfdb55583c5cb077e03d31cfbf6fde2de339671013ed70ede8773e10fa92de3f2b3f111ed4530fcd1fa9a004f6133c0a57c6155b7ccb0b1b2b3b4b5b6b7b8b9babbbcbdbebf0810de76d2570cbd32621d520d7ac75f5b37e50161a938727ba76555ac8d069ee6b9b4ff7c3928c03c86b6e1267b898f")
	want := append([]byte{0x50}, katPayload[1:]...)
	if kind, p, err := c.Open(withTailroom(wire)); err != nil || kind != KindData || !bytes.Equal(p, want) {
		t.Errorf("AES-128-CBC/SHA512 v2 stub-v2: open: kind %v err %v payload %x", kind, err, p)
	}
}
