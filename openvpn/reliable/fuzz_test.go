package reliable

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// Fuzz program opcodes: the fuzzer's bytes are read as a program that
// drives one client-side Channel as a hostile or broken peer would.
const (
	fzControl = iota // receive P_CONTROL_V1: id, acks, payload
	fzAck            // receive P_ACK_V1: acks
	fzQueue          // queue an outgoing message
	fzPoll           // advance the clock, then poll what to send
	fzDrain          // deliver every in-order message
	fzReset          // receive a server hard reset: id
	fzForeign        // receive a packet for another session or key id
	fzOps
)

// fuzzReader hands out the program's bytes, zeros once it runs out.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// id reads a message id: mostly near the window (where the interesting
// cases are), sometimes any 32-bit value (ids in the billions).
func (r *fuzzReader) id(next uint32) uint32 {
	sel := r.byte()
	if sel&0x80 == 0 {
		return next + uint32(sel&0x1f) - 4 // a little behind to well ahead
	}
	var b [4]byte
	for i := range b {
		b[i] = r.byte()
	}
	return binary.BigEndian.Uint32(b[:])
}

func (r *fuzzReader) acks(sent uint32) []uint32 {
	n := int(r.byte() % (MaxAcks + 1))
	out := make([]uint32, n)
	for i := range out {
		out[i] = sent + uint32(r.byte()%16) - 8
	}
	return out
}

// FuzzChannel feeds a Channel arbitrary sequences of received packets,
// ACKs, sends, polls and clock steps, and checks the layer's promises: no
// panic; memory bounded by the windows; nothing ACKed that was not
// received within the receive window; every message delivered once, in
// order, with the payload first received for its id; nothing sent beyond
// the send window.
func FuzzChannel(f *testing.F) {
	// Seeds: a clean handshake; reordering; duplicates; ids in the billions
	// as seen in the wild; acks for messages never sent; a full window.
	f.Add([]byte{fzReset, 0, fzDrain, fzPoll, 0, fzQueue, 3, fzPoll, 1, fzControl, 1, 1, 0, 4, fzDrain, fzPoll, 2})
	f.Add([]byte{fzReset, 0, fzControl, 3, 0, 2, fzControl, 2, 0, 2, fzControl, 1, 0, 2, fzDrain, fzPoll, 0})
	f.Add([]byte{fzReset, 0, fzReset, 0, fzControl, 1, 0, 1, fzControl, 1, 0, 1, fzDrain, fzPoll, 0, fzReset, 5})
	f.Add([]byte{fzReset, 0, fzDrain, fzControl, 0x80, 0xb2, 0xd0, 0x5e, 0x00, 0, 1, fzControl, 0x80, 0xff, 0xff, 0xff, 0xff, 0, 1,
		fzControl, 0x80, 0x80, 0, 0, 4, 0, 1, fzPoll, 10, fzPoll, 200})
	f.Add([]byte{fzQueue, 9, fzQueue, 9, fzPoll, 0, fzAck, 3, 0xff, 0x7f, 0x20, fzForeign, 1, fzPoll, 30})
	prog := []byte{fzReset, 0}
	for i := byte(1); i < 14; i++ {
		prog = append(prog, fzControl, 4+i, 0, 1)
	}
	f.Add(append(prog, fzDrain, fzPoll, 0))

	f.Fuzz(func(t *testing.T, program []byte) {
		r := &fuzzReader{b: program}
		ch := NewChannel(0, sidC, nil)
		ch.SetRemoteSessionID(sidS)
		now := time.Unix(1700000000, 0)
		first := map[uint32][]byte{} // payload first taken for each id
		acked := map[uint32]bool{}   // ids a Receive said to acknowledge
		var delivered uint32
		var pkts []packet.Control

		receive := func(p *packet.Control) {
			next := ch.Receiver().NextID()
			v, err := ch.Receive(p)
			if err != nil {
				return
			}
			if p.Opcode.HasMessageID() {
				if v.ShouldAck() {
					// ids count up from 0 and a program cannot deliver 2³²
					// of them, so plain unsigned order is the window here.
					if p.MessageID >= next+ReceiveWindow {
						t.Fatalf("%v for id %d with next %d: beyond the window", v, p.MessageID, next)
					}
					acked[p.MessageID] = true
				}
				if v == Accepted {
					if _, ok := first[p.MessageID]; ok {
						t.Fatalf("id %d accepted twice", p.MessageID)
					}
					first[p.MessageID] = bytes.Clone(p.Payload)
				}
			}
			if h := ch.Receiver().Held(); h > ReceiveWindow {
				t.Fatalf("%d messages held", h)
			}
			if n := ch.acks.Pending(); n > MaxAcks {
				t.Fatalf("%d ACKs pending", n)
			}
		}

		for steps := 0; len(r.b) > 0 && steps < 500; steps++ {
			switch r.byte() % fzOps {
			case fzControl:
				p := packet.Control{Opcode: packet.OpControlV1, SessionID: sidS}
				p.MessageID = r.id(ch.Receiver().NextID())
				if p.Acks = r.acks(ch.Sender().NextID()); len(p.Acks) > 0 {
					p.RemoteSessionID = sidC
				}
				p.Payload = bytes.Repeat([]byte{r.byte()}, int(r.byte()%64))
				receive(&p)
			case fzAck:
				p := packet.Control{Opcode: packet.OpAckV1, SessionID: sidS, RemoteSessionID: sidC}
				p.Acks = r.acks(ch.Sender().NextID())
				receive(&p)
			case fzQueue:
				if ch.Available() > 0 {
					if _, err := ch.Queue(packet.OpControlV1, bytes.Repeat([]byte{0x17}, int(r.byte()))); err != nil {
						t.Fatalf("Queue with %d available: %v", ch.Available(), err)
					}
				} else if _, err := ch.Queue(packet.OpControlV1, nil); err == nil {
					t.Fatal("Queue accepted a message beyond the send window")
				}
			case fzPoll:
				now = now.Add(time.Duration(r.byte()) * 50 * time.Millisecond)
				pkts = ch.Poll(now, pkts[:0])
				if len(pkts) > SendWindow+1 {
					t.Fatalf("one poll sent %d packets", len(pkts))
				}
				for i := range pkts {
					p := &pkts[i]
					for _, a := range p.Acks {
						if !acked[a] {
							t.Fatalf("ACK for id %d, which was never taken or re-acked", a)
						}
					}
					if len(p.Acks) > MaxAcks {
						t.Fatalf("%d ACKs on one packet", len(p.Acks))
					}
					if p.Opcode.HasMessageID() && p.MessageID >= ch.Sender().NextID() {
						t.Fatalf("sent message %d, never queued", p.MessageID)
					}
					if _, err := p.Append(nil); err != nil {
						t.Fatalf("packet does not encode: %v", err)
					}
				}
			case fzDrain:
				for {
					m, ok := ch.Next()
					if !ok {
						break
					}
					if m.ID != delivered {
						t.Fatalf("delivered %d, want %d", m.ID, delivered)
					}
					if !bytes.Equal(m.Payload, first[m.ID]) {
						t.Fatalf("message %d delivered as %x, received as %x", m.ID, m.Payload, first[m.ID])
					}
					delivered++
				}
			case fzReset:
				p := packet.Control{Opcode: packet.OpHardResetServerV2, SessionID: sidS}
				p.MessageID = r.id(ch.Receiver().NextID())
				receive(&p)
			case fzForeign:
				p := packet.Control{Opcode: packet.OpControlV1, SessionID: sidS, MessageID: ch.Receiver().NextID()}
				if r.byte()&1 == 0 {
					p.SessionID = sidC // not the peer
				} else {
					p.KeyID = 3
				}
				if v, err := ch.Receive(&p); err == nil || v.ShouldAck() {
					t.Fatalf("foreign packet taken: %v, %v", v, err)
				}
			}
		}
	})
}
