package keymethod2

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/openvpn/keys"
)

func testSource() keys.ClientSource {
	var s keys.ClientSource
	for i := range s.PreMaster {
		s.PreMaster[i] = 0x11
	}
	for i := range s.Random1 {
		s.Random1[i] = 0x22
	}
	for i := range s.Random2 {
		s.Random2[i] = 0x33
	}
	return s
}

// wireString builds a stock (u16) or AWS (u32) string by hand.
func wireString(aws bool, s string, present bool) []byte {
	var b []byte
	n := 0
	if present {
		n = len(s) + 1
	}
	if aws {
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	} else {
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	}
	if present {
		b = append(append(b, s...), 0)
	}
	return b
}

func clientPrefix(src keys.ClientSource) []byte {
	b := []byte{0, 0, 0, 0, 2}
	b = append(b, src.PreMaster[:]...)
	b = append(b, src.Random1[:]...)
	return append(b, src.Random2[:]...)
}

func TestClientMessageMarshal(t *testing.T) {
	src := testSource()
	const occ = "V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-client"
	const pi = "IV_VER=2.6.14\nIV_PROTO=990\n"
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name string
		msg  ClientMessage
		f    Framing
		want []byte
	}{
		{
			// 2.6 without auth-user-pass writes both credential fields
			// absent (ssl.c:key_method_2_write, write_empty_string).
			name: "certificate only",
			msg:  ClientMessage{Source: src, Options: occ, PeerInfo: pi},
			want: join(clientPrefix(src), wireString(false, occ, true),
				wireString(false, "", false), wireString(false, "", false), wireString(false, pi, true)),
		},
		{
			name: "auth-user-pass",
			msg:  ClientMessage{Source: src, Options: occ, Credentials: &Credentials{"alice", "secretpw"}, PeerInfo: pi},
			want: join(clientPrefix(src), wireString(false, occ, true),
				wireString(false, "alice", true), wireString(false, "secretpw", true), wireString(false, pi, true)),
		},
		{
			// An empty but enabled password is present: u16 1 and a NUL.
			name: "empty password",
			msg:  ClientMessage{Source: src, Options: occ, Credentials: &Credentials{"alice", ""}, PeerInfo: pi},
			want: join(clientPrefix(src), wireString(false, occ, true),
				wireString(false, "alice", true), []byte{0, 1, 0}, wireString(false, pi, true)),
		},
		{
			name: "aws framing",
			msg:  ClientMessage{Source: src, Options: occ, Credentials: &Credentials{"N/A", "ACS::35001"}, PeerInfo: pi},
			f:    FramingAWS,
			want: join(clientPrefix(src), wireString(true, occ, true),
				wireString(true, "N/A", true), wireString(true, "ACS::35001", true), wireString(true, pi, true)),
		},
		{
			name: "aws framing, absent fields",
			msg:  ClientMessage{Source: src, Options: occ},
			f:    FramingAWS,
			want: join(clientPrefix(src), wireString(true, occ, true),
				wireString(true, "", false), wireString(true, "", false), wireString(true, "", false)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if tt.f == FramingAWS {
				binary.LittleEndian.PutUint32(want, uint32(len(want)))
			}
			got, err := tt.msg.Marshal(tt.f, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Marshal =\n%x\nwant\n%x", got, want)
			}
			back, f, err := ParseClientMessage(got)
			if err != nil {
				t.Fatal(err)
			}
			if f != tt.f || back.Source != tt.msg.Source || back.Options != tt.msg.Options || back.PeerInfo != tt.msg.PeerInfo ||
				(back.Credentials == nil) != (tt.msg.Credentials == nil) ||
				(back.Credentials != nil && *back.Credentials != *tt.msg.Credentials) {
				t.Fatalf("round trip: got %+v (%v), want %+v", back, f, tt.msg)
			}
		})
	}
}

func TestClientMessageLimits(t *testing.T) {
	const secret = "hunter2-"
	long := func(n int) string { return strings.Repeat(secret, n/len(secret)+1)[:n] }
	tests := []struct {
		name    string
		msg     ClientMessage
		f       Framing
		lim     Limits
		wantErr error
		mention string
	}{
		{name: "password 127 fits", msg: ClientMessage{Credentials: &Credentials{"u", long(127)}}},
		{name: "password 128 too long", msg: ClientMessage{Credentials: &Credentials{"u", long(128)}},
			wantErr: ErrTooLong, mention: "USER_PASS_LEN 128"},
		{name: "username too long", msg: ClientMessage{Credentials: &Credentials{long(200), "p"}},
			wantErr: ErrTooLong, mention: "username"},
		{name: "pkcs11 server takes 1000", msg: ClientMessage{Credentials: &Credentials{"u", long(1000)}}, lim: PKCS11Limits},
		{name: "pkcs11 server still reads 2048", msg: ClientMessage{Credentials: &Credentials{"u", long(4000)}}, lim: PKCS11Limits,
			wantErr: ErrTooLong, mention: "2048"},
		{name: "options 511 fits", msg: ClientMessage{Options: long(511)}},
		{name: "options 512 too long", msg: ClientMessage{Options: long(512)}, wantErr: ErrTooLong, mention: "TLS_OPTIONS_LEN 512"},
		{name: "message over 2048", msg: ClientMessage{PeerInfo: long(2000)}, wantErr: ErrTooLong, mention: "2048"},
		{name: "aws takes a saml response", msg: ClientMessage{Credentials: &Credentials{"N/A", "CRV1::instance-1::" + long(100_000)}}, f: FramingAWS},
		{name: "aws limit", msg: ClientMessage{Credentials: &Credentials{"N/A", long(1 << 17)}}, f: FramingAWS,
			wantErr: ErrTooLong, mention: "USER_PASS_LEN 131072"},
		{name: "nul in password", msg: ClientMessage{Credentials: &Credentials{"u", "a\x00b"}}, wantErr: ErrInvalid, mention: "password"},
		{name: "nul in options", msg: ClientMessage{Options: "V4\x00"}, wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.msg.Marshal(tt.f, tt.lim)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks the value: %q", err)
			}
		})
	}
	if _, err := (&ClientMessage{}).Marshal(Framing(7), Limits{}); err == nil {
		t.Error("unknown framing accepted")
	}
}

func serverPrefix(r1, r2 byte) []byte {
	b := []byte{0, 0, 0, 0, 2}
	b = append(b, bytes.Repeat([]byte{r1}, 32)...)
	return append(b, bytes.Repeat([]byte{r2}, 32)...)
}

func TestParseServerMessage(t *testing.T) {
	const occ = "V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-server"
	withLen := func(b []byte) []byte { binary.LittleEndian.PutUint32(b, uint32(len(b))); return b }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	absent16 := []byte{0, 0}
	tests := []struct {
		name     string
		in       []byte
		options  string
		peerInfo string
		framing  Framing
		wantErr  bool
	}{
		{name: "2.6 server", in: cat(serverPrefix(0xaa, 0xbb), wireString(false, occ, true), absent16, absent16, absent16), options: occ},
		{name: "with peer-info", in: cat(serverPrefix(0xaa, 0xbb), wireString(false, occ, true), absent16, absent16, wireString(false, "IV_X=1\n", true)),
			options: occ, peerInfo: "IV_X=1\n"},
		{name: "options only", in: cat(serverPrefix(0xaa, 0xbb), wireString(false, occ, true)), options: occ},
		{name: "randoms only", in: serverPrefix(0xaa, 0xbb)},
		{name: "truncated user field", in: cat(serverPrefix(0xaa, 0xbb), wireString(false, occ, true), []byte{0, 9, 'x'}), options: occ},
		{name: "trailing garbage", in: cat(serverPrefix(0xaa, 0xbb), wireString(false, occ, true), absent16, absent16, absent16, []byte("junk")), options: occ},
		{name: "key method flags in the high nibble", in: func() []byte {
			b := cat(serverPrefix(0xaa, 0xbb), wireString(false, occ, true))
			b[4] = 0x12
			return b
		}(), options: occ},
		{name: "aws layout", in: withLen(cat(serverPrefix(0xaa, 0xbb), wireString(true, occ, true),
			wireString(true, "", false), wireString(true, "", false), wireString(true, "", false))), options: occ, framing: FramingAWS},
		{name: "aws header, stock strings", in: withLen(cat(serverPrefix(0xaa, 0xbb), wireString(false, occ, true), absent16, absent16, absent16)), options: occ},
		{name: "nonzero header ignored", in: func() []byte {
			b := cat(serverPrefix(0xaa, 0xbb), wireString(false, occ, true))
			b[0] = 0xff
			return b
		}(), options: occ},
		{name: "options overrun", in: cat(serverPrefix(0xaa, 0xbb), []byte{0x10, 0, 'V'}), wantErr: true},
		{name: "short randoms", in: serverPrefix(0xaa, 0xbb)[:40], wantErr: true},
		{name: "key method 1", in: []byte{0, 0, 0, 0, 1}, wantErr: true},
		{name: "empty", in: nil, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseServerMessage(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Source.Random1[0] != 0xaa || m.Source.Random2[31] != 0xbb {
				t.Error("randoms misplaced")
			}
			if m.Options != tt.options || m.PeerInfo != tt.peerInfo || m.Framing != tt.framing {
				t.Errorf("got options %q peer-info %q framing %v", m.Options, m.PeerInfo, m.Framing)
			}
		})
	}
}

func TestServerMessageRoundTrip(t *testing.T) {
	for _, f := range []Framing{FramingStock, FramingAWS} {
		in := ServerMessage{Options: "V4,tls-server", PeerInfo: "IV_A=1\n", Framing: f}
		in.Source.Random1[3] = 7
		b, err := in.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := ParseServerMessage(b)
		if err != nil {
			t.Fatal(err)
		}
		if *out != in {
			t.Errorf("%v: got %+v, want %+v", f, out, in)
		}
	}
}

func TestCredentialsRedacted(t *testing.T) {
	c := Credentials{Username: "alice", Password: "hunter2"}
	m := ClientMessage{Credentials: &c}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		for _, v := range []any{c, &c, m, &m} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, "hunter2") || strings.Contains(out, fmt.Sprintf("%x", "hunter2")) {
				t.Errorf("%s leaks the password: %s", verb, out)
			}
		}
	}
}
