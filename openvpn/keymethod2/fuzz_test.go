package keymethod2

import (
	"bytes"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	src := testSource()
	for _, fr := range []Framing{FramingStock, FramingAWS} {
		for _, c := range []*Credentials{nil, {"alice", "pw"}} {
			m := ClientMessage{Source: src, Options: "V4,tls-client", Credentials: c, PeerInfo: "IV_PROTO=2\n"}
			b, err := m.Marshal(fr, Limits{})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
		s := ServerMessage{Options: "V4,tls-server"}
		b, _ := s.Marshal(fr)
		f.Add(b)
		f.Add(b[:len(b)-3])
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 2})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 2, 0xff, 0xff})
}

// FuzzParseServerMessage: never panic, and whatever parses re-encodes to
// something that parses to the same fields.
func FuzzParseServerMessage(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseServerMessage(b)
		if err != nil {
			return
		}
		if bytes.IndexByte([]byte(m.Options), 0) >= 0 || bytes.IndexByte([]byte(m.PeerInfo), 0) >= 0 {
			t.Fatal("parsed string contains NUL")
		}
		enc, err := m.Marshal(m.Framing)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseServerMessage(enc)
		if err != nil {
			t.Fatal(err)
		}
		if back.Source != m.Source || back.Options != m.Options || back.PeerInfo != m.PeerInfo {
			t.Fatalf("round trip changed the message: %+v vs %+v", back, m)
		}
	})
}

func FuzzParseClientMessage(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, fr, err := ParseClientMessage(b)
		if err != nil {
			return
		}
		enc, err := m.Marshal(fr, Limits{Message: 1 << 30})
		if err != nil {
			return // may exceed field limits; parsing must merely not panic
		}
		back, fr2, err := ParseClientMessage(enc)
		if err != nil || fr2 != fr || back.Options != m.Options || back.PeerInfo != m.PeerInfo {
			t.Fatalf("round trip: %v %v %v", err, fr, fr2)
		}
	})
}
