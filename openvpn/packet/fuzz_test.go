package packet

import (
	"bytes"
	"testing"
)

// FuzzDecode checks that Decode never panics, and that whatever it accepts
// re-encodes to exactly the input: the codec has one wire form per packet.
func FuzzDecode(f *testing.F) {
	seeds := []string{
		"38 a1a2a3a4a5a6a7a8 00 00000000",
		"40 b1b2b3b4b5b6b7b8 01 00000000 a1a2a3a4a5a6a7a8 00000000",
		"22 a1a2a3a4a5a6a7a8 02 00000001 01020304 b1b2b3b4b5b6b7b8 00000007 1603",
		"2f a1a2a3a4a5a6a7a8 01 00000003 b1b2b3b4b5b6b7b8",
		"28 a1a2a3a4a5a6a7a8 00",
		"20 a1a2a3a4a5a6a7a8 09",
		"08 a1a2a3a4a5a6a7a8 00 00000000",
		"48 000001",
		"",
	}
	for _, s := range seeds {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var p Control
		if err := p.Decode(in); err != nil {
			return
		}
		if len(p.Acks) > MaxAcks {
			t.Fatalf("accepted %d acks", len(p.Acks))
		}
		out, err := p.Append(nil)
		if err != nil {
			t.Fatalf("re-encode of accepted packet failed: %v", err)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("round trip mismatch:\n in %x\nout %x", in, out)
		}
	})
}

// FuzzParseEarlyNegotiation checks the TLV parser never panics and that a
// parsed flags word survives a re-encode.
func FuzzParseEarlyNegotiation(f *testing.F) {
	f.Add(unhex(f, "0001 0002 0001"))
	f.Add(unhex(f, "00ff 0003 aabbcc 0001 0002 0003"))
	f.Add(unhex(f, "0001 ffff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		e, err := ParseEarlyNegotiation(in)
		if err != nil {
			return
		}
		back, err := ParseEarlyNegotiation(AppendEarlyNegotiation(nil, e))
		if err != nil || back != e {
			t.Fatalf("re-parse = %+v, %v; want %+v", back, err, e)
		}
	})
}
