package tlswrap

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// tlsCryptExpect builds a tls-crypt packet from the layout in tls_crypt.h
// using crypto/hmac and crypto/aes directly: ke and ka are the sender's keys.
func tlsCryptExpect(t *testing.T, ke, ka []byte, p *packet.Control, id, epoch uint32) []byte {
	t.Helper()
	head := cat(header(p), be32(id), be32(epoch))
	body := plainBody(t, p)
	m := hmac.New(sha256.New, ka)
	m.Write(head)
	m.Write(body)
	tag := m.Sum(nil)
	block, err := aes.NewCipher(ke)
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, len(body))
	cipher.NewCTR(block, tag[:16]).XORKeyStream(ct, body)
	return cat(head, tag, ct)
}

func TestTLSCryptKnownAnswer(t *testing.T) {
	key := testKey()
	clk := newClock()
	c, err := NewTLSCrypt(key, opts(clk))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode() != ModeCrypt || c.Overhead(packet.OpControlV1) != 40 || c.Overhead(packet.OpControlWKCV1) != 40 {
		t.Fatalf("mode %v overhead %d", c.Mode(), c.Overhead(packet.OpControlV1))
	}
	for i, p := range []*packet.Control{
		{Opcode: packet.OpHardResetClientV2, SessionID: clientSID},
		clientHello(),
		{Opcode: packet.OpAckV1, SessionID: clientSID, Acks: []uint32{1}, RemoteSessionID: serverSID},
	} {
		got, err := c.Wrap(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		// The client sends with Ke = bytes 128..160 and Ka = bytes 192..224.
		want := tlsCryptExpect(t, key[128:160], key[192:224], p, uint32(i+1), uint32(epoch0.Unix()))
		if !bytes.Equal(got, want) {
			t.Fatalf("packet %d:\n got %x\nwant %x", i, got, want)
		}
		clk.advance(1e9)
	}

	// And the client receives what a server builds with Ke = 0..32, Ka = 64..96.
	p := serverReset()
	wire := tlsCryptExpect(t, key[0:32], key[64:96], p, 1, 1234)
	var got packet.Control
	if err := Decode(c, wire, &got); err != nil {
		t.Fatal(err)
	}
	if got.Opcode != packet.OpHardResetServerV2 || got.SessionID != serverSID || len(got.Acks) != 1 || got.RemoteSessionID != clientSID {
		t.Fatalf("decoded %v", &got)
	}
}

func TestTLSCryptRoundTrip(t *testing.T) {
	client, err := NewTLSCrypt(testKey(), nil)
	if err != nil {
		t.Fatal(err)
	}
	server, err := newTLSCrypt(testKey(), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, client, server, &packet.Control{Opcode: packet.OpHardResetClientV2, SessionID: clientSID})
	roundTrip(t, server, client, serverReset())
	roundTrip(t, client, server, clientHello())
	big := clientHello()
	big.Payload = bytes.Repeat([]byte{0xab}, 1200)
	roundTrip(t, server, client, big)
	roundTrip(t, client, server, &packet.Control{Opcode: packet.OpSoftResetV1, KeyID: 1, SessionID: clientSID, MessageID: 0})
}

func TestTLSCryptRejects(t *testing.T) {
	key := testKey()
	client, _ := NewTLSCrypt(key, nil)
	wire, err := client.Wrap(nil, clientHello())
	if err != nil {
		t.Fatal(err)
	}
	server := func() Wrapper {
		s, _ := newTLSCrypt(key, true, nil)
		return s
	}
	t.Run("tamper", func(t *testing.T) { flipEachByte(t, wire, server) })
	t.Run("client cannot read its own packets", func(t *testing.T) {
		c, _ := NewTLSCrypt(key, nil)
		if _, _, err := c.Unwrap(append([]byte(nil), wire...)); !errors.Is(err, ErrAuth) {
			t.Fatalf("err = %v, want ErrAuth", err)
		}
	})
	t.Run("replay", func(t *testing.T) {
		s := server()
		if _, _, err := s.Unwrap(append([]byte(nil), wire...)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Unwrap(append([]byte(nil), wire...)); !errors.Is(err, ErrReplay) {
			t.Fatalf("err = %v, want ErrReplay", err)
		}
	})
	t.Run("other key", func(t *testing.T) {
		other := testKey()
		other[128] ^= 1 // Ke of half 1, which a server receives with
		s, _ := newTLSCrypt(other, true, nil)
		if _, _, err := s.Unwrap(append([]byte(nil), wire...)); !errors.Is(err, ErrAuth) {
			t.Fatalf("err = %v, want ErrAuth", err)
		}
	})
	t.Run("bad key size", func(t *testing.T) {
		if _, err := NewTLSCrypt(make([]byte, 255), nil); !errors.Is(err, ErrBadKey) {
			t.Fatalf("err = %v, want ErrBadKey", err)
		}
	})
}

func TestTLSCryptAllocations(t *testing.T) {
	c, _ := NewTLSCrypt(testKey(), nil)
	s, _ := newTLSCrypt(testKey(), true, nil)
	p := clientHello()
	buf := make([]byte, 0, 2048)
	allocs := testing.AllocsPerRun(100, func() {
		wire, err := c.Wrap(buf[:0], p)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Unwrap(wire); err != nil {
			t.Fatal(err)
		}
	})
	// cipher.NewCTR allocates its stream state; nothing else should.
	if allocs > 4 {
		t.Fatalf("tls-crypt wrap+unwrap allocated %.0f times", allocs)
	}
	t.Logf("tls-crypt wrap+unwrap: %.0f allocations", allocs)
}

func TestMaxPayload(t *testing.T) {
	auth, _ := NewTLSAuth(testKey(), KeyDirectionInverse, "SHA256", nil)
	crypt, _ := NewTLSCrypt(testKey(), nil)
	tests := []struct {
		name string
		w    Wrapper
		op   packet.Opcode
		acks int
		want int
	}{
		// 1250 - 48 - 9 - (1+4+8+4) - 0
		{"none, 1 ack", None{}, packet.OpControlV1, 1, 1176},
		// ... - (32+8)
		{"tls-auth sha256, 4 acks", auth, packet.OpControlV1, 4, 1250 - 48 - 9 - (1 + 16 + 8 + 4) - 40},
		{"tls-crypt, 0 acks", crypt, packet.OpControlV1, 0, 1250 - 48 - 9 - 5 - 40},
	}
	for _, tt := range tests {
		got := MaxPayload(tt.w, tt.op, tt.acks, DefaultTLSMTU, DatagramOverheadUDP6)
		if got != tt.want {
			t.Errorf("%s: MaxPayload = %d, want %d", tt.name, got, tt.want)
		}
		// A packet with exactly that payload fits tls-mtu exactly.
		p := &packet.Control{Opcode: tt.op, SessionID: clientSID, Payload: make([]byte, got)}
		for i := 0; i < tt.acks; i++ {
			p.Acks = append(p.Acks, uint32(i))
			p.RemoteSessionID = serverSID
		}
		wire, err := tt.w.Wrap(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(wire)+DatagramOverheadUDP6 != DefaultTLSMTU {
			t.Errorf("%s: datagram is %d bytes", tt.name, len(wire)+DatagramOverheadUDP6)
		}
	}
	if got := MaxPayload(None{}, packet.OpControlV1, 0, 10, 48); got != 0 {
		t.Errorf("MaxPayload below zero = %d, want 0", got)
	}
}

func TestNone(t *testing.T) {
	var n None
	if n.Mode() != ModeNone || n.Overhead(packet.OpControlV1) != 0 {
		t.Fatal("none is not transparent")
	}
	got := roundTrip(t, n, n, clientHello())
	if got.MessageID != 1 {
		t.Fatalf("decoded %v", &got)
	}
	wire, _ := n.Wrap(nil, clientHello())
	want, _ := clientHello().Append(nil)
	if !bytes.Equal(wire, want) {
		t.Fatalf("none wire %x, want plain %x", wire, want)
	}
	if _, _, err := n.Unwrap([]byte{0x20, 1, 2}); !errors.Is(err, packet.ErrTruncated) {
		t.Fatalf("err = %v", err)
	}
	if _, err := n.Wrap(nil, &packet.Control{Opcode: packet.OpDataV2, SessionID: clientSID}); !errors.Is(err, packet.ErrNotControl) {
		t.Fatalf("err = %v", err)
	}
}

func TestModeString(t *testing.T) {
	for m, want := range map[Mode]string{ModeNone: "none", ModeAuth: "tls-auth", ModeCrypt: "tls-crypt", ModeCryptV2: "tls-crypt-v2", 9: "mode(9)"} {
		if got := m.String(); got != want {
			t.Errorf("%d: %q, want %q", m, got, want)
		}
	}
}
