package tlswrap

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestReplayWindow(t *testing.T) {
	type step struct {
		id, epoch uint32
		wait      time.Duration // clock advance before this packet
		ok        bool
	}
	const e = 1000
	tests := []struct {
		name  string
		steps []step
	}{
		{"id 0 is invalid", []step{{0, e, 0, false}, {1, e, 0, true}}},
		{"in order", []step{{1, e, 0, true}, {2, e, 0, true}, {3, e, 0, true}}},
		{"duplicate", []step{{1, e, 0, true}, {2, e, 0, true}, {2, e, 0, false}, {1, e, 0, false}}},
		{"reordered within window", []step{{1, e, 0, true}, {5, e, 0, true}, {3, e, 0, true}, {4, e, 0, true}, {2, e, 0, true}, {3, e, 0, false}}},
		{"gap left open is still acceptable", []step{{1, e, 0, true}, {60, e, 0, true}, {2, e, 0, true}}},
		{"behind the 64-id window", []step{{1, e, 0, true}, {65, e, 0, true}, {2, e, 0, true}, {100, e, 0, true}, {36, e, 0, false}, {37, e, 0, true}}},
		{"jump past the window", []step{{1, e, 0, true}, {1000, e, 0, true}, {937, e, 0, true}, {936, e, 0, false}, {1000, e, 0, false}}},
		{"new epoch restarts", []step{{50, e, 0, true}, {1, e + 1, 0, true}, {2, e + 1, 0, true}, {51, e, 0, false}}},
		{"older epoch", []step{{1, e, 0, true}, {2, e - 1, 0, false}}},
		{"time backtrack expires late packets", []step{{1, e, 0, true}, {3, e, 0, true}, {2, e, 16 * time.Second, false}, {4, e, 0, true}}},
		{"late packet within 15 s", []step{{1, e, 0, true}, {3, e, 0, true}, {2, e, 14 * time.Second, true}}},
		{"expiry reaches only older ids", []step{
			{1, e, 0, true}, {3, e, 0, true}, // 3 seen at t=0
			{5, e, 10 * time.Second, true}, // 5 seen at t=10
			{4, e, 6 * time.Second, true},  // t=16: 3 and below expired, 4 is newer
			{2, e, 0, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newReplayWindow(DefaultReplayWindow, DefaultReplayTime)
			now := epoch0
			for i, s := range tt.steps {
				now = now.Add(s.wait)
				err := w.check(s.id, s.epoch, now)
				if (err == nil) != s.ok {
					t.Fatalf("step %d (id %d epoch %d): err = %v, want ok=%v", i, s.id, s.epoch, err, s.ok)
				}
				if err != nil && !errors.Is(err, ErrReplay) {
					t.Fatalf("step %d: err %v does not wrap ErrReplay", i, err)
				}
				if err == nil {
					w.accept(s.id, s.epoch, now)
				}
			}
		})
	}
}

func TestReplayWindowSize(t *testing.T) {
	w := newReplayWindow(8, DefaultReplayTime)
	for id := uint32(1); id <= 20; id += 2 {
		if err := w.check(id, 1, epoch0); err != nil {
			t.Fatal(err)
		}
		w.accept(id, 1, epoch0)
	}
	// Highest is 19; 12..18 are within 8, 11 is not.
	if err := w.check(12, 1, epoch0); err != nil {
		t.Fatalf("id 12: %v", err)
	}
	if err := w.check(11, 1, epoch0); err == nil {
		t.Fatal("id 11 accepted outside an 8-id window")
	}
}

func TestSendID(t *testing.T) {
	var s sendID
	for want := uint32(1); want <= 3; want++ {
		id, ep, err := s.next(epoch0.Add(time.Duration(want) * time.Second))
		if err != nil || id != want || ep != uint32(epoch0.Unix()+1) {
			t.Fatalf("next = %d, %d, %v; want %d at the first send's time", id, ep, err, want)
		}
	}

	s = sendID{id: math.MaxUint32 - 1}
	if id, _, err := s.next(epoch0); err != nil || id != math.MaxUint32 {
		t.Fatalf("last id: %d %v", id, err)
	}
	if _, _, err := s.next(epoch0); !errors.Is(err, ErrPacketIDExhausted) {
		t.Fatalf("rollover in the same second: %v", err)
	}
	id, ep, err := s.next(epoch0.Add(time.Second))
	if err != nil || id != 1 || ep != uint32(epoch0.Unix()+1) {
		t.Fatalf("rollover into a new epoch = %d, %d, %v", id, ep, err)
	}
}

func TestWrapperExhaustion(t *testing.T) {
	clk := newClock()
	a, _ := NewTLSAuth(testKey(), KeyDirectionNone, "SHA1", opts(clk))
	a.sendID = sendID{id: math.MaxUint32, epoch: uint32(clk.t.Unix()), started: true}
	if _, err := a.Wrap(nil, clientHello()); !errors.Is(err, ErrPacketIDExhausted) {
		t.Fatalf("err = %v", err)
	}
}

func TestOptions(t *testing.T) {
	s := (*Options)(nil).settings()
	if s.window != 64 || s.time != 15*time.Second || s.now == nil {
		t.Fatalf("defaults %+v", s)
	}
	s = (&Options{ReplayWindow: 128, ReplayTime: time.Minute}).settings()
	if s.window != 128 || s.time != time.Minute {
		t.Fatalf("overrides %+v", s)
	}
}
