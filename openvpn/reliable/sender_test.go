package reliable

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
)

var t0 = time.Unix(1700000000, 0)

const never = time.Duration(-1)

// senderStep happens at offset at from t0: queue n messages, process acks,
// then call Due and compare the ids sent and the next deadline.
type senderStep struct {
	at       time.Duration
	queue    int
	acks     []uint32
	due      []uint32
	deadline time.Duration // offset from t0; never = nothing outstanding; 0 = at once
}

func ids(ms []Message) []uint32 {
	out := []uint32{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func runSender(t *testing.T, s *Sender, steps []senderStep) {
	t.Helper()
	for i, st := range steps {
		for j := 0; j < st.queue; j++ {
			if _, err := s.Queue(packet.OpControlV1, []byte{byte(j)}); err != nil {
				t.Fatalf("step %d: queue: %v", i, err)
			}
		}
		for _, a := range st.acks {
			s.Ack(a)
		}
		got := ids(s.Due(t0.Add(st.at), nil))
		want := st.due
		if want == nil {
			want = []uint32{}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("step %d at %v: due %v, want %v", i, st.at, got, want)
		}
		d, ok := s.NextDeadline()
		switch {
		case st.deadline == never:
			if ok {
				t.Fatalf("step %d: deadline %v, want none", i, d.Sub(t0))
			}
		case !ok:
			t.Fatalf("step %d: no deadline, want %v", i, st.deadline)
		case st.deadline == 0:
			if d.After(t0.Add(st.at)) {
				t.Fatalf("step %d: deadline %v, want at once", i, d.Sub(t0))
			}
		case !d.Equal(t0.Add(st.deadline)):
			t.Fatalf("step %d: deadline %v, want %v", i, d.Sub(t0), st.deadline)
		}
	}
}

func ms(n int) time.Duration  { return time.Duration(n) * time.Millisecond }
func sec(n int) time.Duration { return time.Duration(n) * time.Second }

func TestSenderScenarios(t *testing.T) {
	tests := []struct {
		name  string
		steps []senderStep
	}{
		{"backoff doubles from 2 s and caps at 60 s", []senderStep{
			{at: 0, queue: 1, due: []uint32{0}, deadline: sec(2)},
			{at: ms(1999), deadline: sec(2)},
			{at: sec(2), due: []uint32{0}, deadline: sec(6)},
			{at: sec(6), due: []uint32{0}, deadline: sec(14)},
			{at: sec(14), due: []uint32{0}, deadline: sec(30)},
			{at: sec(30), due: []uint32{0}, deadline: sec(62)},
			{at: sec(62), due: []uint32{0}, deadline: sec(122)},
			{at: sec(122), due: []uint32{0}, deadline: sec(182)},
		}},
		{"ack stops retransmission", []senderStep{
			{at: 0, queue: 2, due: []uint32{0, 1}, deadline: sec(2)},
			{at: sec(1), acks: []uint32{0}, deadline: sec(2)},
			{at: sec(2), due: []uint32{1}, deadline: sec(6)},
			{at: sec(3), acks: []uint32{1}, deadline: never},
			{at: sec(10), deadline: never},
		}},
		{"lost packet retransmitted on its own timer", []senderStep{
			{at: 0, queue: 3, due: []uint32{0, 1, 2}, deadline: sec(2)},
			{at: ms(100), acks: []uint32{0, 2}, deadline: sec(2)}, // 1 lost, only one later ACK
			{at: sec(2), due: []uint32{1}, deadline: sec(6)},
		}},
		{"fast retransmit after three later acks", []senderStep{
			{at: 0, queue: 4, due: []uint32{0, 1, 2, 3}, deadline: sec(2)},
			{at: ms(100), acks: []uint32{1, 2}, deadline: sec(2)},
			{at: ms(200), acks: []uint32{3}, due: []uint32{0}, deadline: ms(4200)},
			{at: ms(300), deadline: ms(4200)},
		}},
		{"repeated acks count toward fast retransmit", []senderStep{
			{at: 0, queue: 2, due: []uint32{0, 1}, deadline: sec(2)},
			{at: ms(100), acks: []uint32{1}, deadline: sec(2)},
			{at: ms(200), acks: []uint32{1, 1}, due: []uint32{0}, deadline: ms(4200)},
		}},
		{"new messages go out at once behind retransmissions", []senderStep{
			{at: 0, queue: 1, due: []uint32{0}, deadline: sec(2)},
			{at: sec(2), queue: 1, due: []uint32{0, 1}, deadline: sec(4)},
		}},
		{"unknown ack ignored", []senderStep{
			{at: 0, queue: 1, acks: []uint32{7}, due: []uint32{0}, deadline: sec(2)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSender(t, NewSender(0, 0), tt.steps) })
	}
}

func TestSenderWindow(t *testing.T) {
	s := NewSender(0, 0)
	for i := 0; i < SendWindow; i++ {
		if s.Available() != SendWindow-i {
			t.Fatalf("Available = %d before message %d", s.Available(), i)
		}
		if id, err := s.Queue(packet.OpControlV1, nil); err != nil || id != uint32(i) {
			t.Fatalf("Queue = %d, %v", id, err)
		}
	}
	if _, err := s.Queue(packet.OpControlV1, nil); !errors.Is(err, ErrWindowFull) {
		t.Fatalf("7th Queue err = %v", err)
	}
	for id := uint32(1); id < SendWindow; id++ {
		if !s.Ack(id) {
			t.Fatalf("Ack(%d) found nothing", id)
		}
	}
	if s.Available() != 0 || s.InFlight() != 1 {
		t.Fatalf("with message 0 outstanding: Available %d InFlight %d", s.Available(), s.InFlight())
	}
	if s.Ack(3) {
		t.Fatal("second Ack(3) reported a release")
	}
	s.Ack(0)
	if s.Available() != SendWindow || !s.Empty() || s.NextID() != SendWindow {
		t.Fatalf("after all acks: Available %d Empty %v NextID %d", s.Available(), s.Empty(), s.NextID())
	}
}

func TestSenderCopiesPayload(t *testing.T) {
	s := NewSender(0, 0)
	buf := []byte("hello")
	if _, err := s.Queue(packet.OpHardResetClientV2, buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXX")
	m := s.Due(t0, nil)
	if len(m) != 1 || string(m[0].Payload) != "hello" || m[0].Opcode != packet.OpHardResetClientV2 {
		t.Fatalf("due %+v", m)
	}
}

func TestSenderScheduleNow(t *testing.T) {
	s := NewSender(0, 0)
	s.Queue(packet.OpControlV1, nil)
	s.Due(t0, nil)
	s.Due(t0.Add(sec(2)), nil) // timeout now 8 s
	s.ScheduleNow()
	if got := ids(s.Due(t0.Add(sec(3)), nil)); !slices.Equal(got, []uint32{0}) {
		t.Fatalf("due after ScheduleNow: %v", got)
	}
	if d, _ := s.NextDeadline(); !d.Equal(t0.Add(sec(5))) {
		t.Fatalf("backoff not reset: deadline %v", d.Sub(t0))
	}
}

func TestSenderCustomTimeouts(t *testing.T) {
	s := NewSender(sec(1), sec(3))
	s.Queue(packet.OpControlV1, nil)
	var got []time.Duration
	now := t0
	for i := 0; i < 4; i++ {
		s.Due(now, nil)
		d, _ := s.NextDeadline()
		got = append(got, d.Sub(now))
		now = d
	}
	if want := []time.Duration{sec(1), sec(2), sec(3), sec(3)}; !slices.Equal(got, want) {
		t.Fatalf("timeouts %v, want %v", got, want)
	}
}

func TestSenderWrapAround(t *testing.T) {
	s := NewSender(0, 0)
	s.next = 0xfffffffe
	for i := 0; i < 4; i++ {
		if _, err := s.Queue(packet.OpControlV1, nil); err != nil {
			t.Fatal(err)
		}
	}
	if got := ids(s.Due(t0, nil)); !slices.Equal(got, []uint32{0xfffffffe, 0xffffffff, 0, 1}) {
		t.Fatalf("due across wrap: %#x", got)
	}
	// ACKs of 0 and 1 and 0xffffffff count as later than 0xfffffffe.
	s.Ack(0xffffffff)
	s.Ack(0)
	s.Ack(1)
	if got := ids(s.Due(t0.Add(ms(1)), nil)); !slices.Equal(got, []uint32{0xfffffffe}) {
		t.Fatalf("fast retransmit across wrap: %#x", got)
	}
	if s.Available() != SendWindow-4 {
		t.Fatalf("Available = %d", s.Available())
	}
}
