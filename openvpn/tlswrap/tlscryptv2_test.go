package tlswrap

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// serverKeyV2 is a tls-crypt-v2 server key ("struct key": cipher[64],
// hmac[64]); Ke is bytes 0..32 and Ka bytes 64..96 (doc/tls-crypt-v2.txt).
func serverKeyV2() []byte {
	k := make([]byte, 128)
	for i := range k {
		k[i] = byte(255 - i*3)
	}
	return k
}

// wrapClientKey builds WKc as the doc describes, independently of the code
// under test: T = HMAC(Ka, len‖Kc‖metadata), WKc = T‖AES-CTR(Ke, T[:16],
// Kc‖metadata)‖len.
func wrapClientKey(t testing.TB, srv, kc, metadata []byte) []byte {
	t.Helper()
	n := uint16(32 + len(kc) + len(metadata) + 2)
	lenField := binary.BigEndian.AppendUint16(nil, n)
	m := hmac.New(sha256.New, srv[64:96])
	m.Write(lenField)
	m.Write(kc)
	m.Write(metadata)
	tag := m.Sum(nil)
	block, err := aes.NewCipher(srv[0:32])
	if err != nil {
		t.Fatal(err)
	}
	plain := cat(kc, metadata)
	ct := make([]byte, len(plain))
	cipher.NewCTR(block, tag[:16]).XORKeyStream(ct, plain)
	return cat(tag, ct, lenField)
}

// unwrapClientKey is the server's side: recover Kc from WKc.
func unwrapClientKey(t testing.TB, srv, wkc []byte) []byte {
	t.Helper()
	tag, ct := wkc[:32], wkc[32:len(wkc)-2]
	block, _ := aes.NewCipher(srv[0:32])
	plain := make([]byte, len(ct))
	cipher.NewCTR(block, tag[:16]).XORKeyStream(plain, ct)
	m := hmac.New(sha256.New, srv[64:96])
	m.Write(wkc[len(wkc)-2:])
	m.Write(plain)
	if !hmac.Equal(m.Sum(nil), tag) {
		t.Fatal("server could not authenticate WKc")
	}
	return plain[:StaticKeySize]
}

// clientKeyFile returns a PEM client key as openvpn --genkey tls-crypt-v2-client
// writes it (timestamp metadata), plus its parts.
func clientKeyFile(t testing.TB) (file, kc, wkc []byte) {
	t.Helper()
	kc = testKey()
	metadata := append([]byte{0x01}, binary.BigEndian.AppendUint64(nil, 1700000000)...)
	wkc = wrapClientKey(t, serverKeyV2(), kc, metadata)
	file = pem.EncodeToMemory(&pem.Block{Type: "OpenVPN tls-crypt-v2 client key", Bytes: cat(kc, wkc)})
	return append([]byte("# comment\n"), file...), kc, wkc
}

func TestParseClientKeyV2(t *testing.T) {
	file, kc, wkc := clientKeyFile(t)
	k, err := ParseClientKeyV2(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.Kc, kc) || !bytes.Equal(k.WKc, wkc) {
		t.Fatal("Kc/WKc split wrong")
	}
	if len(k.WKc) != 32+256+9+2 {
		t.Fatalf("WKc is %d bytes", len(k.WKc))
	}

	bad := func(b []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: "OpenVPN tls-crypt-v2 client key", Bytes: b})
	}
	wrongLen := cat(kc, wkc)
	wrongLen[len(wrongLen)-1]++
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"static key", pem.EncodeToMemory(&pem.Block{Type: "OpenVPN Static key V1", Bytes: kc})},
		{"server key", pem.EncodeToMemory(&pem.Block{Type: "OpenVPN tls-crypt-v2 server key", Bytes: kc[:128]})},
		{"kc only", bad(kc)},
		{"wkc too short", bad(cat(kc, wkc[:100]))},
		{"length field wrong", bad(wrongLen)},
		{"wkc too long", bad(cat(kc, make([]byte, 1100)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseClientKeyV2(tt.in); !errors.Is(err, ErrBadKey) {
				t.Fatalf("err = %v, want ErrBadKey", err)
			}
		})
	}
}

// v2Server mirrors a 2.6 server: it finds WKc at the end of the reset,
// unwraps Kc with its server key and then speaks tls-crypt with Kc.
func v2Server(t *testing.T, resetWire []byte, clk *fakeClock) *TLSCrypt {
	t.Helper()
	n := int(binary.BigEndian.Uint16(resetWire[len(resetWire)-2:]))
	kc := unwrapClientKey(t, serverKeyV2(), resetWire[len(resetWire)-n:])
	s, err := newTLSCrypt(kc, true, opts(clk))
	if err != nil {
		t.Fatal(err)
	}
	s.v2 = true // strip WKc from the client's V3 and WKC packets
	return s
}

func TestTLSCryptV2Handshake(t *testing.T) {
	file, kc, wkc := clientKeyFile(t)
	ck, err := ParseClientKeyV2(file)
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock()
	c, err := NewTLSCryptV2(ck, opts(clk))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode() != ModeCryptV2 || c.WKcLen() != len(wkc) {
		t.Fatalf("mode %v WKcLen %d", c.Mode(), c.WKcLen())
	}
	if c.Overhead(packet.OpHardResetClientV3) != 40+len(wkc) || c.Overhead(packet.OpControlWKCV1) != 40+len(wkc) || c.Overhead(packet.OpControlV1) != 40 {
		t.Fatal("overheads wrong")
	}

	// 1. The client's reset: tls-crypt with Kc, replay id 0x0f000001, WKc appended.
	reset := &packet.Control{Opcode: packet.OpHardResetClientV3, SessionID: clientSID}
	wire, err := c.Wrap(nil, reset)
	if err != nil {
		t.Fatal(err)
	}
	want := cat(tlsCryptExpect(t, kc[128:160], kc[192:224], reset, packet.EarlyNegStart+1, uint32(epoch0.Unix())), wkc)
	if !bytes.Equal(wire, want) {
		t.Fatalf("v3 reset:\n got %x\nwant %x", wire, want)
	}
	if id := binary.BigEndian.Uint32(wire[9:]); !packet.HasEarlyNegStart(id) {
		t.Fatalf("replay id %#x does not announce early negotiation", id)
	}

	// 2. The server answers with the resend-WKc flag in its reset's TLVs.
	srv := v2Server(t, wire, clk)
	var got packet.Control
	if err := Decode(srv, wire, &got); err != nil {
		t.Fatalf("server unwrap of v3 reset: %v", err)
	}
	sreset := serverReset()
	sreset.Payload = packet.AppendEarlyNegotiation(nil, packet.EarlyNegotiation{Flags: packet.EarlyNegFlagResendWKc})
	swire, err := srv.Wrap(nil, sreset)
	if err != nil {
		t.Fatal(err)
	}
	if err := Decode(c, swire, &got); err != nil {
		t.Fatalf("client unwrap of server reset: %v", err)
	}
	en, err := packet.ParseEarlyNegotiation(got.Payload)
	if err != nil || !en.ResendWKc() {
		t.Fatalf("early negotiation = %+v, %v", en, err)
	}

	// 3. The client's message 1, acking the reset, goes as P_CONTROL_WKC_V1
	// with WKc appended; its replay id continues from the reset's.
	third := &packet.Control{Opcode: packet.OpControlWKCV1, SessionID: clientSID, Acks: []uint32{0}, RemoteSessionID: serverSID, MessageID: 1}
	twire, err := c.Wrap(nil, third)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(twire, wkc) {
		t.Fatal("P_CONTROL_WKC_V1 lacks WKc")
	}
	if id := binary.BigEndian.Uint32(twire[9:]); id != packet.EarlyNegStart+2 {
		t.Fatalf("second replay id %#x", id)
	}
	if err := Decode(srv, twire, &got); err != nil || got.Opcode != packet.OpControlWKCV1 || got.MessageID != 1 {
		t.Fatalf("server unwrap of WKC packet: %v %v", err, &got)
	}

	// 4. Later packets are plain tls-crypt with Kc.
	hello := clientHello()
	hello.MessageID = 2
	roundTrip(t, c, srv, hello)
	roundTrip(t, srv, c, &packet.Control{Opcode: packet.OpControlV1, SessionID: serverSID, MessageID: 1, Payload: []byte("server hello")})
	if hw, _ := c.Wrap(nil, hello); bytes.HasSuffix(hw, wkc) {
		t.Fatal("P_CONTROL_V1 carries WKc")
	}
}

func TestTLSCryptV2Rejects(t *testing.T) {
	file, _, wkc := clientKeyFile(t)
	ck, _ := ParseClientKeyV2(file)
	c, _ := NewTLSCryptV2(ck, nil)
	wire, err := c.Wrap(nil, &packet.Control{Opcode: packet.OpHardResetClientV3, SessionID: clientSID})
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() Wrapper { return v2Server(t, wire, newClock()) }
	// Tamper with the tls-crypt part only; the mirror unwraps WKc up front.
	tc := wire[:len(wire)-len(wkc)]
	for i := range tc {
		tampered := append([]byte(nil), wire...)
		tampered[i] ^= 0x40
		if _, _, err := fresh().Unwrap(tampered); err == nil {
			t.Fatalf("flipping byte %d was not detected", i)
		}
	}
	t.Run("length field points past the packet", func(t *testing.T) {
		bad := append([]byte(nil), wire...)
		binary.BigEndian.PutUint16(bad[len(bad)-2:], uint16(len(bad)))
		if _, _, err := fresh().Unwrap(bad); !errors.Is(err, packet.ErrTruncated) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		if _, err := NewTLSCryptV2(&ClientKeyV2{Kc: make([]byte, 256), WKc: []byte{0, 2}}, nil); !errors.Is(err, ErrBadKey) {
			t.Fatalf("err = %v", err)
		}
		if _, err := NewTLSCryptV2(&ClientKeyV2{Kc: make([]byte, 10), WKc: wkc}, nil); !errors.Is(err, ErrBadKey) {
			t.Fatalf("err = %v", err)
		}
	})
}
