package tlswrap

import (
	"testing"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// fuzzSeeds returns valid wire packets from sender for the seed corpus.
func fuzzSeeds(t testing.TB, sender Wrapper) [][]byte {
	var out [][]byte
	for _, p := range []*packet.Control{
		{Opcode: packet.OpHardResetClientV2, SessionID: clientSID},
		{Opcode: packet.OpHardResetClientV3, SessionID: clientSID},
		clientHello(),
		{Opcode: packet.OpControlWKCV1, SessionID: clientSID, Acks: []uint32{0}, RemoteSessionID: serverSID, MessageID: 1},
		{Opcode: packet.OpAckV1, SessionID: clientSID, Acks: []uint32{1, 2, 3}, RemoteSessionID: serverSID},
	} {
		w, err := sender.Wrap(nil, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, w)
	}
	return append(out, nil, []byte{0x20}, make([]byte, 60))
}

// fuzzUnwrap checks that Unwrap never panics on arbitrary input and that
// whatever it accepts decodes within the input's bounds.
func fuzzUnwrap(f *testing.F, sender Wrapper, receiver func() Wrapper) {
	for _, s := range fuzzSeeds(f, sender) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, wire []byte) {
		n := len(wire)
		h, body, err := receiver().Unwrap(wire)
		if err != nil {
			return
		}
		if !h.Opcode.IsControl() || len(body) > n-packet.HeaderSize {
			t.Fatalf("accepted %v with %d-byte body from %d bytes", h.Opcode, len(body), n)
		}
		var p packet.Control
		_ = p.DecodeBody(h, body)
	})
}

func FuzzUnwrapNone(f *testing.F) {
	fuzzUnwrap(f, None{}, func() Wrapper { return None{} })
}

func FuzzUnwrapTLSAuth(f *testing.F) {
	c, _ := NewTLSAuth(testKey(), KeyDirectionInverse, "SHA1", nil)
	fuzzUnwrap(f, c, func() Wrapper {
		s, _ := NewTLSAuth(testKey(), KeyDirectionNormal, "SHA1", nil)
		return s
	})
}

func FuzzUnwrapTLSCrypt(f *testing.F) {
	c, _ := NewTLSCrypt(testKey(), nil)
	fuzzUnwrap(f, c, func() Wrapper {
		s, _ := newTLSCrypt(testKey(), true, nil)
		return s
	})
}

func FuzzUnwrapTLSCryptV2(f *testing.F) {
	file, kc, _ := clientKeyFile(f)
	ck, _ := ParseClientKeyV2(file)
	c, _ := NewTLSCryptV2(ck, nil)
	fuzzUnwrap(f, c, func() Wrapper {
		s, _ := newTLSCrypt(kc, true, nil)
		s.v2 = true
		return s
	})
}

func FuzzParseClientKeyV2(f *testing.F) {
	file, _, _ := clientKeyFile(f)
	f.Add(file)
	f.Add([]byte("-----BEGIN OpenVPN tls-crypt-v2 client key-----\nAAAA\n-----END OpenVPN tls-crypt-v2 client key-----\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		k, err := ParseClientKeyV2(in)
		if err != nil {
			return
		}
		if len(k.Kc) != StaticKeySize || len(k.WKc) < wkcMinSize || len(k.WKc) > MaxWKcSize {
			t.Fatalf("accepted Kc %d WKc %d", len(k.Kc), len(k.WKc))
		}
		if _, err := NewTLSCryptV2(k, nil); err != nil {
			t.Fatalf("parsed key rejected by constructor: %v", err)
		}
	})
}

func FuzzParseStaticKey(f *testing.F) {
	f.Add([]byte(genkeyText(testKey())))
	f.Add([]byte("-----BEGIN OpenVPN Static key V1-----\n-----END OpenVPN Static key V1-----"))
	f.Fuzz(func(t *testing.T, in []byte) {
		k, err := ParseStaticKey(in)
		if err == nil && len(k) != StaticKeySize {
			t.Fatalf("accepted %d-byte key", len(k))
		}
	})
}
