package reliable

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
)

var (
	sidC = packet.SessionID{0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8}
	sidS = packet.SessionID{0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58}
)

// pktSummary is what the scenarios compare: opcode, message id, acks.
type pktSummary struct {
	op   packet.Opcode
	mid  uint32
	acks []uint32
}

func summarize(t *testing.T, ps []packet.Control, from, to packet.SessionID) []pktSummary {
	t.Helper()
	out := []pktSummary{}
	for i := range ps {
		p := &ps[i]
		if p.SessionID != from {
			t.Fatalf("packet %d has sid %v, want %v", i, p.SessionID, from)
		}
		if len(p.Acks) > 0 && p.RemoteSessionID != to {
			t.Fatalf("packet %d echoes %v, want %v", i, p.RemoteSessionID, to)
		}
		if _, err := p.Append(nil); err != nil {
			t.Fatalf("packet %d does not encode: %v", i, err)
		}
		out = append(out, pktSummary{p.Opcode, p.MessageID, slices.Clone(p.Acks)})
	}
	return out
}

func equalSummaries(a, b []pktSummary) bool {
	return slices.EqualFunc(a, b, func(x, y pktSummary) bool {
		return x.op == y.op && x.mid == y.mid && slices.Equal(x.acks, y.acks)
	})
}

// deliver hands every packet in ps to ch, failing on errors.
func deliver(t *testing.T, ch *Channel, ps []packet.Control) []Verdict {
	t.Helper()
	var vs []Verdict
	for i := range ps {
		v, err := ch.Receive(&ps[i])
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

func TestChannelHandshake(t *testing.T) {
	client := NewChannel(0, sidC, nil)
	server := NewChannel(0, sidS, nil)

	// 1. Client reset: message 0, no ACKs.
	if _, err := client.Queue(packet.OpHardResetClientV2, nil); err != nil {
		t.Fatal(err)
	}
	p1 := client.Poll(t0, nil)
	if got := summarize(t, p1, sidC, sidS); !equalSummaries(got, []pktSummary{{packet.OpHardResetClientV2, 0, nil}}) {
		t.Fatalf("client reset: %+v", got)
	}
	deliver(t, server, p1)
	if m, ok := server.Next(); !ok || m.Opcode != packet.OpHardResetClientV2 {
		t.Fatal("server did not get the reset")
	}

	// 2. Server reset: message 0 with ACK 0 piggy-backed; no separate ACK.
	server.Queue(packet.OpHardResetServerV2, nil)
	p2 := server.Poll(t0, nil)
	if got := summarize(t, p2, sidS, sidC); !equalSummaries(got, []pktSummary{{packet.OpHardResetServerV2, 0, []uint32{0}}}) {
		t.Fatalf("server reset: %+v", got)
	}
	if vs := deliver(t, client, p2); vs[0] != Accepted || !client.Sender().Empty() || client.RemoteSessionID() != sidS {
		t.Fatalf("client after server reset: %v empty=%v", vs, client.Sender().Empty())
	}
	if m, ok := client.Next(); !ok || m.Opcode != packet.OpHardResetServerV2 {
		t.Fatal("client did not get the server reset")
	}

	// 3. Client ACKs it at once with a P_ACK_V1.
	if d, ok := client.NextDeadline(); !ok || d.After(t0) {
		t.Fatalf("ACK not due at once: %v %v", d, ok)
	}
	p3 := client.Poll(t0, nil)
	if got := summarize(t, p3, sidC, sidS); !equalSummaries(got, []pktSummary{{packet.OpAckV1, 0, []uint32{0}}}) {
		t.Fatalf("third packet: %+v", got)
	}
	deliver(t, server, p3)
	if !server.Sender().Empty() {
		t.Fatal("server reset not released")
	}

	// 4. The ClientHello (message 1) repeats ACK 0 from the recent list, so
	// a stateless server accepts it even if the P_ACK_V1 was lost.
	client.Queue(packet.OpControlV1, []byte("hello"))
	p4 := client.Poll(t0.Add(ms(10)), nil)
	if got := summarize(t, p4, sidC, sidS); !equalSummaries(got, []pktSummary{{packet.OpControlV1, 1, []uint32{0}}}) {
		t.Fatalf("client hello: %+v", got)
	}
	if vs := deliver(t, server, p4); vs[0] != Accepted {
		t.Fatalf("server got hello: %v", vs)
	}
	if d, ok := client.NextDeadline(); !ok || !d.Equal(t0.Add(ms(10)+sec(2))) {
		t.Fatalf("hello retransmission deadline %v", d.Sub(t0))
	}
}

func TestChannelDuplicateResetReAcked(t *testing.T) {
	client := NewChannel(0, sidC, nil)
	client.Queue(packet.OpHardResetClientV2, nil)
	client.Poll(t0, nil)
	reset := packet.Control{Opcode: packet.OpHardResetServerV2, SessionID: sidS, Acks: []uint32{0}, RemoteSessionID: sidC}
	if v, _ := client.Receive(&reset); v != Accepted {
		t.Fatalf("first reset: %v", v)
	}
	client.Next()
	client.Poll(t0, nil)
	if v, _ := client.Receive(&reset); v != Duplicate {
		t.Fatalf("second reset: %v", v)
	}
	if _, ok := client.Next(); ok {
		t.Fatal("duplicate delivered")
	}
	got := summarize(t, client.Poll(t0, nil), sidC, sidS)
	if !equalSummaries(got, []pktSummary{{packet.OpAckV1, 0, []uint32{0}}}) {
		t.Fatalf("re-ACK: %+v", got)
	}
	// A reset claiming another message id is ignored, not ACKed.
	bad := reset
	bad.MessageID = 3
	if v, _ := client.Receive(&bad); v != Dropped || client.Poll(t0, nil) != nil {
		t.Fatalf("reset with id 3: %v", v)
	}
}

func TestChannelRejectsForeignPackets(t *testing.T) {
	ch := NewChannel(1, sidC, nil)
	ch.SetRemoteSessionID(sidS)
	other := packet.SessionID{9, 9, 9, 9, 9, 9, 9, 9}
	tests := []struct {
		name string
		p    packet.Control
		want error
	}{
		{"other key id", packet.Control{Opcode: packet.OpControlV1, KeyID: 2, SessionID: sidS}, ErrWrongKeyID},
		{"other sender", packet.Control{Opcode: packet.OpControlV1, KeyID: 1, SessionID: other}, ErrWrongSession},
		{"acks for another session", packet.Control{Opcode: packet.OpAckV1, KeyID: 1, SessionID: sidS, Acks: []uint32{0}, RemoteSessionID: other}, ErrWrongSession},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ch.Receive(&tt.p); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if ch.acks.Pending() != 0 || ch.Receiver().Held() != 0 {
				t.Fatal("rejected packet left state behind")
			}
		})
	}
	ack := packet.Control{Opcode: packet.OpAckV1, KeyID: 1, SessionID: sidS, Acks: []uint32{0}, RemoteSessionID: sidC}
	if v, err := ch.Receive(&ack); v != NoMessage || err != nil {
		t.Fatalf("good ack: %v %v", v, err)
	}
}

// TestChannelLostAckRepairedByRecentList: the client's P_ACK_V1 is lost,
// but its next control packet repeats the ACKs, so the server never has to
// retransmit.
func TestChannelLostAckRepairedByRecentList(t *testing.T) {
	client := NewChannel(0, sidC, nil)
	server := NewChannel(0, sidS, nil)
	client.SetRemoteSessionID(sidS)
	server.SetRemoteSessionID(sidC)
	server.Queue(packet.OpControlV1, []byte("a"))
	server.Queue(packet.OpControlV1, []byte("b"))
	deliver(t, client, server.Poll(t0, nil))
	lost := client.Poll(t0, nil)
	if got := summarize(t, lost, sidC, sidS); !equalSummaries(got, []pktSummary{{packet.OpAckV1, 0, []uint32{0, 1}}}) {
		t.Fatalf("ack: %+v", got)
	}
	client.Queue(packet.OpControlV1, []byte("c"))
	repair := client.Poll(t0.Add(sec(1)), nil)
	if got := summarize(t, repair, sidC, sidS); !equalSummaries(got, []pktSummary{{packet.OpControlV1, 0, []uint32{0, 1}}}) {
		t.Fatalf("repair: %+v", got)
	}
	deliver(t, server, repair)
	if !server.Sender().Empty() {
		t.Fatal("server still waits for ACKs")
	}
}

// TestChannelLostDataRetransmitted: a lost message is retransmitted after
// the timeout, and the receiver re-ACKs a retransmission it already had.
func TestChannelLostDataRetransmitted(t *testing.T) {
	client := NewChannel(0, sidC, nil)
	server := NewChannel(0, sidS, nil)
	client.SetRemoteSessionID(sidS)
	server.SetRemoteSessionID(sidC)
	client.Queue(packet.OpControlV1, []byte("x"))
	client.Poll(t0, nil) // lost
	if got := client.Poll(t0.Add(ms(1999)), nil); len(got) != 0 {
		t.Fatalf("early retransmission: %v", got)
	}
	re := client.Poll(t0.Add(sec(2)), nil)
	if len(re) != 1 || re[0].MessageID != 0 {
		t.Fatalf("retransmission: %v", re)
	}
	deliver(t, server, re)
	server.Poll(t0.Add(sec(2)), nil) // the ACK is lost too
	re = client.Poll(t0.Add(sec(6)), nil)
	if vs := deliver(t, server, re); vs[0] != Duplicate {
		t.Fatalf("second copy: %v", vs)
	}
	ack := server.Poll(t0.Add(sec(6)), nil)
	deliver(t, client, ack)
	if !client.Sender().Empty() {
		t.Fatal("not acknowledged")
	}
	m, ok := server.Next()
	if !ok || string(m.Payload) != "x" {
		t.Fatal("message not delivered")
	}
	if _, ok := server.Next(); ok {
		t.Fatal("delivered twice")
	}
}

// TestChannelWKc follows doc/tls-crypt-v2.txt: after a server reset asking
// for the WKc, the client's message 1 is P_CONTROL_WKC_V1, empty if there is
// nothing else to send, and carries the ACK instead of a P_ACK_V1.
func TestChannelWKc(t *testing.T) {
	setup := func() *Channel {
		c := NewChannel(0, sidC, nil)
		c.Queue(packet.OpHardResetClientV3, nil)
		c.Poll(t0, nil)
		reset := packet.Control{Opcode: packet.OpHardResetServerV2, SessionID: sidS, Acks: []uint32{0}, RemoteSessionID: sidC,
			Payload: packet.AppendEarlyNegotiation(nil, packet.EarlyNegotiation{Flags: packet.EarlyNegFlagResendWKc})}
		if _, err := c.Receive(&reset); err != nil {
			t.Fatal(err)
		}
		m, _ := c.Next()
		en, err := packet.ParseEarlyNegotiation(m.Payload)
		if err != nil {
			t.Fatal(err)
		}
		c.SetResendWKc(en.ResendWKc())
		if !c.NeedsWKc() {
			t.Fatal("NeedsWKc false after the flag")
		}
		return c
	}
	t.Run("ack only", func(t *testing.T) {
		c := setup()
		got := summarize(t, c.Poll(t0, nil), sidC, sidS)
		if !equalSummaries(got, []pktSummary{{packet.OpControlWKCV1, 1, []uint32{0}}}) {
			t.Fatalf("got %+v", got)
		}
		if c.NeedsWKc() {
			t.Fatal("NeedsWKc still true after message 1")
		}
		// It is reliable: retransmitted as P_CONTROL_WKC_V1.
		re := summarize(t, c.Poll(t0.Add(sec(2)), nil), sidC, sidS)
		if !equalSummaries(re, []pktSummary{{packet.OpControlWKCV1, 1, []uint32{0}}}) {
			t.Fatalf("retransmission %+v", re)
		}
		c.Queue(packet.OpControlV1, []byte("hello"))
		if p := c.Poll(t0.Add(sec(3)), nil); p[0].Opcode != packet.OpControlV1 || p[0].MessageID != 2 {
			t.Fatalf("message 2: %v", &p[0])
		}
	})
	t.Run("client hello", func(t *testing.T) {
		c := setup()
		c.Queue(packet.OpControlV1, []byte("hello"))
		got := summarize(t, c.Poll(t0, nil), sidC, sidS)
		if !equalSummaries(got, []pktSummary{{packet.OpControlWKCV1, 1, []uint32{0}}}) {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("no flag", func(t *testing.T) {
		c := NewChannel(0, sidC, nil)
		c.Queue(packet.OpHardResetClientV3, nil)
		reset := packet.Control{Opcode: packet.OpHardResetServerV2, SessionID: sidS, Acks: []uint32{0}, RemoteSessionID: sidC}
		c.Receive(&reset)
		c.Next()
		if c.NeedsWKc() {
			t.Fatal("NeedsWKc without the flag")
		}
		got := summarize(t, c.Poll(t0, nil), sidC, sidS)
		if !equalSummaries(got, []pktSummary{{packet.OpAckV1, 0, []uint32{0}}}) {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestChannelAckLimits(t *testing.T) {
	ch := NewChannel(0, sidC, &Config{MaxAckPacketAcks: 4})
	ch.SetRemoteSessionID(sidS)
	for id := uint32(0); id < 6; id++ {
		p := packet.Control{Opcode: packet.OpControlV1, SessionID: sidS, MessageID: id}
		ch.Receive(&p)
	}
	got := summarize(t, ch.Poll(t0, nil), sidC, sidS)
	want := []pktSummary{{packet.OpAckV1, 0, []uint32{0, 1, 2, 3}}}
	if !equalSummaries(got, want) {
		t.Fatalf("first poll %+v", got)
	}
	got = summarize(t, ch.Poll(t0, nil), sidC, sidS)
	want = []pktSummary{{packet.OpAckV1, 0, []uint32{4, 5, 0, 1}}}
	if !equalSummaries(got, want) {
		t.Fatalf("second poll %+v", got)
	}
	if ch.Poll(t0, nil) != nil {
		t.Fatal("ACK sent with nothing pending")
	}
	if _, ok := ch.NextDeadline(); ok {
		t.Fatal("deadline with nothing to do")
	}
}

func TestChannelPiggyback(t *testing.T) {
	ch := NewChannel(0, sidC, nil)
	ch.SetRemoteSessionID(sidS)
	for id := uint32(0); id < 7; id++ {
		p := packet.Control{Opcode: packet.OpControlV1, SessionID: sidS, MessageID: id}
		ch.Receive(&p)
	}
	ch.Queue(packet.OpControlV1, []byte("a"))
	got := summarize(t, ch.Poll(t0, nil), sidC, sidS)
	want := []pktSummary{
		{packet.OpControlV1, 0, []uint32{0, 1, 2, 3}},
		{packet.OpAckV1, 0, []uint32{4, 5, 6, 0, 1, 2, 3}},
	}
	if !equalSummaries(got, want) {
		t.Fatalf("got %+v", got)
	}
}

func TestChannelPollAllocations(t *testing.T) {
	client := NewChannel(0, sidC, nil)
	server := NewChannel(0, sidS, nil)
	client.SetRemoteSessionID(sidS)
	server.SetRemoteSessionID(sidC)
	var cbuf, sbuf []packet.Control
	payload := make([]byte, 1000)
	now := t0
	feed := func(ch *Channel, ps []packet.Control) {
		for i := range ps {
			if _, err := ch.Receive(&ps[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	step := func() {
		if client.Available() > 0 {
			client.Queue(packet.OpControlV1, payload)
		}
		cbuf = client.Poll(now, cbuf[:0])
		feed(server, cbuf)
		for {
			if _, ok := server.Next(); !ok {
				break
			}
		}
		sbuf = server.Poll(now, sbuf[:0])
		feed(client, sbuf)
		now = now.Add(time.Millisecond)
	}
	for i := 0; i < 50; i++ {
		step()
	}
	if allocs := testing.AllocsPerRun(200, step); allocs != 0 {
		t.Fatalf("steady state allocated %.1f times per step", allocs)
	}
}

// TestChannelNeverAcksOutOfWindowIDs: control messages whose ids lie far
// outside the receive window (seen in the wild with ids in the billions)
// are neither stored nor acknowledged, on their own or piggy-backed, now
// or later; old ids already delivered are acknowledged again.
func TestChannelNeverAcksOutOfWindowIDs(t *testing.T) {
	client := NewChannel(0, sidC, nil)
	client.SetRemoteSessionID(sidS)
	reset := packet.Control{Opcode: packet.OpHardResetServerV2, SessionID: sidS, MessageID: 0}
	if v, err := client.Receive(&reset); err != nil || v != Accepted {
		t.Fatalf("server reset: %v %v", v, err)
	}
	client.Next()
	client.Poll(t0, nil) // ACK 0
	for _, id := range []uint32{13, 14, 0x80000000, 0x80000001, 2_500_000_000, 3_000_000_000, 0xfffffff0, 0xffffffff} {
		p := packet.Control{Opcode: packet.OpControlV1, SessionID: sidS, MessageID: id, Payload: []byte("x")}
		if v, err := client.Receive(&p); err != nil || v != Dropped {
			t.Errorf("Receive(id %d) = %v, %v; want dropped", id, v, err)
		}
	}
	if client.Receiver().Held() != 0 {
		t.Fatalf("%d out-of-window messages held", client.Receiver().Held())
	}
	if got := client.Poll(t0.Add(ms(1)), nil); got != nil {
		t.Fatalf("out-of-window ids acknowledged: %+v", summarize(t, got, sidC, sidS))
	}
	// Messages we send later piggy-back only the ids we really took.
	client.Queue(packet.OpControlV1, []byte("hello"))
	for now := t0; now.Before(t0.Add(sec(20))); now = now.Add(sec(1)) {
		for _, s := range summarize(t, client.Poll(now, nil), sidC, sidS) {
			for _, a := range s.acks {
				if a != 0 {
					t.Fatalf("at %v: packet %v acknowledges id %d", now.Sub(t0), s.op, a)
				}
			}
		}
	}
	// An old id is a retransmission whose ACK was lost: ACK it again.
	again := reset
	if v, _ := client.Receive(&again); v != Duplicate {
		t.Fatalf("old reset again: %v, want duplicate", v)
	}
}
