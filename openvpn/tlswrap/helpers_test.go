package tlswrap

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
)

var (
	clientSID = packet.SessionID{0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8}
	serverSID = packet.SessionID{0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58}
	epoch0    = time.Unix(1700000000, 0)
)

// testKey returns a 256-byte static key whose every byte differs from its
// neighbours, so using the wrong slice of it cannot go unnoticed.
func testKey() []byte {
	k := make([]byte, StaticKeySize)
	for i := range k {
		k[i] = byte(i*7 + 3)
	}
	return k
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *fakeClock { return &fakeClock{t: epoch0} }

func opts(c *fakeClock) *Options { return &Options{Now: c.now} }

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// clientHello is a typical client control packet: ACK of the server's reset
// piggy-backed on message 1.
func clientHello() *packet.Control {
	return &packet.Control{
		Opcode: packet.OpControlV1, SessionID: clientSID,
		Acks: []uint32{0}, RemoteSessionID: serverSID,
		MessageID: 1, Payload: []byte("\x16\x03\x01 client hello"),
	}
}

func serverReset() *packet.Control {
	return &packet.Control{
		Opcode: packet.OpHardResetServerV2, SessionID: serverSID,
		Acks: []uint32{0}, RemoteSessionID: clientSID,
	}
}

// plainBody encodes p's body the way the packet package does, for building
// expected bytes.
func plainBody(t testing.TB, p *packet.Control) []byte {
	t.Helper()
	b, err := p.AppendBody(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func header(p *packet.Control) []byte {
	return append([]byte{packet.FirstByte(p.Opcode, p.KeyID)}, p.SessionID[:]...)
}

// roundTrip wraps p with w and decodes it with peer, returning the decoded
// packet.
func roundTrip(t *testing.T, w, peer Wrapper, p *packet.Control) packet.Control {
	t.Helper()
	wire, err := w.Wrap(nil, p)
	if err != nil {
		t.Fatalf("wrap: %v", err)
	}
	if want := packet.HeaderSize + p.BodyLen() + w.Overhead(p.Opcode); len(wire) != want {
		t.Fatalf("wire is %d bytes, header+body+Overhead = %d", len(wire), want)
	}
	var got packet.Control
	if err := Decode(peer, wire, &got); err != nil {
		t.Fatalf("unwrap: %v", err)
	}
	want, _ := p.Append(nil)
	back, _ := got.Append(nil)
	if string(want) != string(back) {
		t.Fatalf("round trip changed the packet:\n got %v\nwant %v", &got, p)
	}
	return got
}

// flipEachByte checks that any single-bit change anywhere in wire makes
// unwrap fail. fresh returns a receiver that has seen nothing.
func flipEachByte(t *testing.T, wire []byte, fresh func() Wrapper) {
	t.Helper()
	for i := range wire {
		for _, bit := range []byte{0x01, 0x80} {
			tampered := append([]byte(nil), wire...)
			tampered[i] ^= bit
			if _, _, err := fresh().Unwrap(tampered); err == nil {
				t.Fatalf("flipping bit %#x of byte %d was not detected", bit, i)
			}
		}
	}
	if _, _, err := fresh().Unwrap(append([]byte(nil), wire...)); err != nil {
		t.Fatalf("untampered packet rejected: %v", err)
	}
	for n := range wire {
		if _, _, err := fresh().Unwrap(append([]byte(nil), wire[:n]...)); err == nil {
			t.Fatalf("truncation to %d bytes was not detected", n)
		}
	}
}
