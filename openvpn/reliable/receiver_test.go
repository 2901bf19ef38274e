package reliable

import (
	"slices"
	"testing"

	"github.com/cvpn/cvpn/openvpn/packet"
)

// recvStep receives id (when deliver is false) or drains Next and compares
// the delivered ids (when deliver is true).
type recvStep struct {
	id      uint32
	verdict Verdict
	deliver bool
	want    []uint32
}

func rx(id uint32, v Verdict) recvStep    { return recvStep{id: id, verdict: v} }
func drain(want ...uint32) recvStep       { return recvStep{deliver: true, want: want} }
func payloadFor(id uint32) []byte         { return []byte{byte(id), byte(id >> 8), 0xee} }
func checkPayload(m Message) bool         { return string(m.Payload) == string(payloadFor(m.ID)) }
func newReceiverAt(next uint32) *Receiver { return &Receiver{next: next} }

func TestReceiverScenarios(t *testing.T) {
	tests := []struct {
		name  string
		start uint32
		steps []recvStep
	}{
		{"in order", 0, []recvStep{rx(0, Accepted), drain(0), rx(1, Accepted), rx(2, Accepted), drain(1, 2)}},
		{"reordered, released in order", 0, []recvStep{
			rx(2, Accepted), rx(1, Accepted), drain(), rx(0, Accepted), drain(0, 1, 2),
		}},
		{"duplicates re-acked, not redelivered", 0, []recvStep{
			rx(0, Accepted), rx(0, Duplicate), drain(0), rx(0, Duplicate),
			rx(3, Accepted), rx(3, Duplicate), rx(1, Accepted), drain(1),
		}},
		{"window is 12 ahead of the next undelivered id", 0, []recvStep{
			rx(11, Accepted), rx(12, Dropped), rx(100, Dropped), drain(),
			rx(0, Accepted), drain(0), rx(12, Accepted), rx(13, Dropped),
		}},
		{"window full of held messages", 0, []recvStep{
			rx(1, Accepted), rx(2, Accepted), rx(3, Accepted), rx(4, Accepted), rx(5, Accepted), rx(6, Accepted),
			rx(7, Accepted), rx(8, Accepted), rx(9, Accepted), rx(10, Accepted), rx(11, Accepted),
			rx(12, Dropped), rx(0, Accepted), rx(12, Dropped),
			drain(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11), rx(12, Accepted), drain(12),
		}},
		{"old ids far behind are duplicates", 1000, []recvStep{rx(0, Duplicate), rx(999, Duplicate), rx(1000, Accepted), drain(1000)}},
		// Ids at or beyond next+ReceiveWindow are refused however far
		// ahead they are: half the id space ahead must not count as
		// "behind" (and so be acknowledged), which 2.6's window check
		// (reliable.c:reliable_pid_in_range2) never does.
		{"ids half the space ahead are refused, not re-acked", 5, []recvStep{
			rx(0x80000005, Dropped), rx(0x80000004, Dropped), rx(0x80000006, Dropped),
			rx(3_000_000_000, Dropped), rx(0xffffffff, Dropped), rx(17, Dropped),
			rx(16, Accepted), rx(4, Duplicate), rx(0, Duplicate), drain(),
		}},
		{"from zero, only ids below 12 are taken", 0, []recvStep{
			rx(0x7fffffff, Dropped), rx(0x80000000, Dropped), rx(0xfffffff5, Dropped), rx(0xffffffff, Dropped),
			rx(0, Accepted), drain(0),
		}},
		{"wrapped window: old ids re-acked, far ones refused", 0xfffffff8, []recvStep{
			rx(3, Accepted), rx(4, Dropped), rx(0xfffffff7, Duplicate), rx(0x80000000, Duplicate),
			rx(0x7fffffff, Dropped), rx(0x40000000, Dropped),
		}},
		{"wrap-around", 0xfffffffe, []recvStep{
			rx(0, Accepted), rx(0xffffffff, Accepted), rx(0xfffffffd, Duplicate), rx(0xfffffffe, Accepted),
			drain(0xfffffffe, 0xffffffff, 0), rx(12, Accepted), rx(13, Dropped),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReceiverAt(tt.start)
			for i, st := range tt.steps {
				if !st.deliver {
					if v := r.Receive(st.id, packet.OpControlV1, payloadFor(st.id)); v != st.verdict {
						t.Fatalf("step %d: Receive(%d) = %v, want %v", i, st.id, v, st.verdict)
					}
					continue
				}
				got := []uint32{}
				for {
					m, ok := r.Next()
					if !ok {
						break
					}
					if !checkPayload(m) {
						t.Fatalf("step %d: message %d has payload %x", i, m.ID, m.Payload)
					}
					got = append(got, m.ID)
				}
				if st.want == nil {
					st.want = []uint32{}
				}
				if !slices.Equal(got, st.want) {
					t.Fatalf("step %d: delivered %v, want %v", i, got, st.want)
				}
			}
		})
	}
}

func TestReceiverCopiesPayload(t *testing.T) {
	r := NewReceiver()
	buf := []byte("abc")
	r.Receive(0, packet.OpHardResetServerV2, buf)
	copy(buf, "xyz")
	m, ok := r.Next()
	if !ok || string(m.Payload) != "abc" || m.Opcode != packet.OpHardResetServerV2 || r.NextID() != 1 || r.Held() != 0 {
		t.Fatalf("Next = %+v, %v", m, ok)
	}
}

func TestVerdict(t *testing.T) {
	for v, want := range map[Verdict]bool{Accepted: true, Duplicate: true, Dropped: false, NoMessage: false} {
		if v.ShouldAck() != want {
			t.Errorf("%v.ShouldAck() = %v", v, !want)
		}
		if v.String() == "verdict(?)" {
			t.Errorf("%d has no name", v)
		}
	}
}
