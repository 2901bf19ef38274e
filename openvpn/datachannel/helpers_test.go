package datachannel

import (
	"crypto/rand"
	"testing"
)

var (
	aeadCiphers = []string{"AES-128-GCM", "AES-192-GCM", "AES-256-GCM", "CHACHA20-POLY1305"}
	cbcCiphers  = []string{"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"}
	allComps    = []Compression{CompNone, CompLZO, CompSwap, CompV2}
)

// suiteCase is one cipher (with a digest for CBC) to run tests over.
type suiteCase struct{ cipher, auth string }

func (s suiteCase) String() string {
	if s.auth == "" {
		return s.cipher
	}
	return s.cipher + "/" + s.auth
}

func allSuites() []suiteCase {
	var out []suiteCase
	for _, c := range aeadCiphers {
		out = append(out, suiteCase{c, ""})
	}
	for _, c := range cbcCiphers {
		for _, a := range []string{"SHA1", "SHA256", "SHA512"} {
			out = append(out, suiteCase{c, a})
		}
	}
	return out
}

// keyBlock returns a random OpenVPN key2: keys[0] client→server,
// keys[1] server→client.
func keyBlock(t testing.TB) [2]Key {
	t.Helper()
	var k [2]Key
	for i := range k {
		if _, err := rand.Read(k[i].Cipher[:]); err != nil {
			t.Fatal(err)
		}
		if _, err := rand.Read(k[i].HMAC[:]); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// patternKey is the fixed key of the known-answer vectors: cipher bytes
// 0x00..0x3f, hmac bytes 0x40..0x7f.
func patternKey() Key {
	var k Key
	for i := range k.Cipher {
		k.Cipher[i] = byte(i)
		k.HMAC[i] = byte(0x40 + i)
	}
	return k
}

// pair builds a client Channel and the server's mirror image of it.
func pair(t testing.TB, s suiteCase, v2 bool, comp Compression) (client, server *Channel) {
	t.Helper()
	k := keyBlock(t)
	cfg := Config{Cipher: s.cipher, Auth: s.auth, KeyID: 1, UsePeerID: v2, PeerID: 0x123456, Compression: comp}
	cc, sc := cfg, cfg
	cc.Send, cc.Recv = k[0], k[1]
	sc.Send, sc.Recv = k[1], k[0]
	var err error
	if client, err = New(cc); err != nil {
		t.Fatal(err)
	}
	if server, err = New(sc); err != nil {
		t.Fatal(err)
	}
	return client, server
}

// sealCopy seals payload from a fresh buffer with exactly Headroom and
// Tailroom around it and returns the wire bytes with Tailroom spare capacity.
func sealCopy(t testing.TB, c *Channel, payload []byte) []byte {
	t.Helper()
	buf := make([]byte, Headroom+len(payload), Headroom+len(payload)+Tailroom)
	copy(buf[Headroom:], payload)
	wire, err := c.Seal(buf, Headroom, len(payload))
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	return withTailroom(wire)
}

// withTailroom copies p into a new buffer with Tailroom spare capacity, as
// a receive path's pooled buffer would have.
func withTailroom(p []byte) []byte {
	out := make([]byte, len(p), len(p)+Tailroom)
	copy(out, p)
	return out
}

// ipPacket returns an n-byte payload that looks like an IPv4 packet.
func ipPacket(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + 3)
	}
	p[0] = 0x45
	return p
}
