package tlswrap

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"testing"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// TestTLSAuthKnownAnswer builds the expected wire bytes from the layout in
// ssl_pkt.c (swap_hmac) and crypto.c (openvpn_encrypt_v1 with the null
// cipher) using crypto/hmac directly, independently of the wrapper.
func TestTLSAuthKnownAnswer(t *testing.T) {
	key := testKey()
	tests := []struct {
		name   string
		digest string
		newH   func() hash.Hash
		dir    KeyDirection
		send   []byte // the client's sending HMAC key slot
	}{
		{"SHA1 key-direction 1", "SHA1", sha1.New, KeyDirectionInverse, key[192:]},
		{"SHA1 no key-direction", "SHA1", sha1.New, KeyDirectionNone, key[64:]},
		{"SHA256 key-direction 1", "SHA256", sha256.New, KeyDirectionInverse, key[192:]},
		{"SHA256 no key-direction", "sha256", sha256.New, KeyDirectionNone, key[64:]},
		{"SHA512 key-direction 0", "SHA512", sha512.New, KeyDirectionNormal, key[64:]},
		{"MD5 key-direction 1", "MD5", md5.New, KeyDirectionInverse, key[192:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			a, err := NewTLSAuth(key, tt.dir, tt.digest, opts(clk))
			if err != nil {
				t.Fatal(err)
			}
			size := tt.newH().Size()
			if got := a.Overhead(packet.OpControlV1); got != size+8 {
				t.Fatalf("Overhead = %d, want %d", got, size+8)
			}
			for i, p := range []*packet.Control{
				{Opcode: packet.OpHardResetClientV2, SessionID: clientSID},
				clientHello(),
			} {
				clk.advance(3e9) // the time field must stay at the first send's time
				got, err := a.Wrap([]byte("prefix"), p)
				if err != nil {
					t.Fatal(err)
				}
				pidTime := cat(be32(uint32(i+1)), be32(uint32(epoch0.Unix()+3)))
				body := plainBody(t, p)
				m := hmac.New(tt.newH, tt.send[:size])
				m.Write(cat(pidTime, header(p), body))
				want := cat([]byte("prefix"), header(p), m.Sum(nil), pidTime, body)
				if !bytes.Equal(got, want) {
					t.Fatalf("packet %d:\n got %x\nwant %x", i, got, want)
				}
			}
		})
	}
}

func TestTLSAuthRoundTrip(t *testing.T) {
	for _, digest := range []string{"SHA1", "SHA256", "SHA512"} {
		for _, dirs := range [][2]KeyDirection{
			{KeyDirectionInverse, KeyDirectionNormal},
			{KeyDirectionNone, KeyDirectionNone},
		} {
			t.Run(fmt.Sprintf("%s client %d server %d", digest, dirs[0], dirs[1]), func(t *testing.T) {
				client, err := NewTLSAuth(testKey(), dirs[0], digest, nil)
				if err != nil {
					t.Fatal(err)
				}
				server, err := NewTLSAuth(testKey(), dirs[1], digest, nil) // the server's view
				if err != nil {
					t.Fatal(err)
				}
				roundTrip(t, client, server, &packet.Control{Opcode: packet.OpHardResetClientV2, SessionID: clientSID})
				roundTrip(t, server, client, serverReset())
				roundTrip(t, client, server, clientHello())
				roundTrip(t, client, server, &packet.Control{Opcode: packet.OpAckV1, SessionID: clientSID, Acks: []uint32{1, 2}, RemoteSessionID: serverSID})
			})
		}
	}
}

func TestTLSAuthRejects(t *testing.T) {
	key := testKey()
	client, _ := NewTLSAuth(key, KeyDirectionInverse, "SHA256", nil)
	wire, err := client.Wrap(nil, clientHello())
	if err != nil {
		t.Fatal(err)
	}
	server := func() Wrapper {
		s, _ := NewTLSAuth(key, KeyDirectionNormal, "SHA256", nil)
		return s
	}
	t.Run("tamper", func(t *testing.T) { flipEachByte(t, wire, server) })

	t.Run("wrong direction", func(t *testing.T) {
		s, _ := NewTLSAuth(key, KeyDirectionInverse, "SHA256", nil)
		if _, _, err := s.Unwrap(wire); !errors.Is(err, ErrAuth) {
			t.Fatalf("err = %v, want ErrAuth", err)
		}
	})
	t.Run("wrong digest", func(t *testing.T) {
		s, _ := NewTLSAuth(key, KeyDirectionNormal, "SHA1", nil)
		if _, _, err := s.Unwrap(wire); !errors.Is(err, ErrAuth) {
			t.Fatalf("err = %v, want ErrAuth", err)
		}
	})
	t.Run("replay", func(t *testing.T) {
		s := server()
		if _, _, err := s.Unwrap(wire); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Unwrap(wire); !errors.Is(err, ErrReplay) {
			t.Fatalf("err = %v, want ErrReplay", err)
		}
	})
	t.Run("retransmission gets a new replay id", func(t *testing.T) {
		s := server()
		for i := 0; i < 3; i++ {
			again, err := client.Wrap(nil, clientHello())
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Unwrap(again); err != nil {
				t.Fatalf("transmission %d: %v", i, err)
			}
		}
	})
	t.Run("forgery does not advance the window", func(t *testing.T) {
		s := server()
		forged := append([]byte(nil), wire...)
		forged[len(forged)-1] ^= 1
		if _, _, err := s.Unwrap(forged); !errors.Is(err, ErrAuth) {
			t.Fatalf("err = %v, want ErrAuth", err)
		}
		if _, _, err := s.Unwrap(wire); err != nil {
			t.Fatalf("genuine packet after forgery: %v", err)
		}
	})
}

func TestNewTLSAuthErrors(t *testing.T) {
	tests := []struct {
		name   string
		key    []byte
		dir    KeyDirection
		digest string
		want   error
	}{
		{"short key", make([]byte, 128), KeyDirectionNone, "SHA1", ErrBadKey},
		{"long key", make([]byte, 257), KeyDirectionNone, "SHA1", ErrBadKey},
		{"direction 2", testKey(), 2, "SHA1", ErrBadKey},
		{"none digest", testKey(), KeyDirectionNone, "none", ErrUnsupportedDigest},
		{"unknown digest", testKey(), KeyDirectionNone, "SHA3-256", ErrUnsupportedDigest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewTLSAuth(tt.key, tt.dir, tt.digest, nil); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDigestAliases(t *testing.T) {
	tests := map[string]int{
		"SHA1": 20, "sha1": 20, "SHA-1": 20,
		"SHA256": 32, "SHA-256": 32, "SHA2-256": 32, "sha256": 32,
		"SHA224": 28, "SHA384": 48, "SHA512": 64, "SHA2-512": 64,
		"SHA512-256": 32, "md5": 16, "": 20,
	}
	for name, size := range tests {
		f, err := digestByName(name)
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		if got := f().Size(); got != size {
			t.Errorf("%q: size %d, want %d", name, got, size)
		}
	}
}

func TestTLSAuthWrapRejectsBadPacketWithoutConsumingID(t *testing.T) {
	clk := newClock()
	a, _ := NewTLSAuth(testKey(), KeyDirectionInverse, "SHA1", opts(clk))
	bad := &packet.Control{Opcode: packet.OpAckV1, SessionID: clientSID, Payload: []byte{1}}
	if out, err := a.Wrap([]byte{9}, bad); !errors.Is(err, packet.ErrUnexpectedFields) || !bytes.Equal(out, []byte{9}) {
		t.Fatalf("Wrap(bad) = %x, %v", out, err)
	}
	wire, err := a.Wrap(nil, clientHello())
	if err != nil {
		t.Fatal(err)
	}
	if id := wire[packet.HeaderSize+20 : packet.HeaderSize+24]; !bytes.Equal(id, be32(1)) {
		t.Fatalf("first good packet has replay id %x, want 1", id)
	}
}

func TestTLSAuthAllocations(t *testing.T) {
	c, _ := NewTLSAuth(testKey(), KeyDirectionInverse, "SHA256", nil)
	s, _ := NewTLSAuth(testKey(), KeyDirectionNormal, "SHA256", nil)
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
	if allocs != 0 {
		t.Fatalf("tls-auth wrap+unwrap allocated %.0f times, want 0", allocs)
	}
}
