package tunnel

import (
	"testing"
	"time"
)

func TestStatsPace(t *testing.T) {
	const iv = time.Second
	var p statsPace
	steps := []struct {
		tx, rx uint64
		moved  bool
		wait   time.Duration
	}{
		{0, 0, true, iv},      // the first figures are always news
		{0, 0, false, 2 * iv}, // standing still: the interval doubles…
		{0, 0, false, 4 * iv},
		{0, 0, false, 4 * iv}, // …up to statsIdleSlowdown times
		{5, 0, true, iv},      // traffic: back to every interval
		{5, 7, true, iv},
		{5, 7, false, 2 * iv},
	}
	if got := p.next(iv, false); got != iv {
		t.Fatalf("first wait %v, want %v", got, iv)
	}
	for i, s := range steps {
		moved := p.moved(Status{TxBytes: s.tx, RxBytes: s.rx})
		if moved != s.moved {
			t.Errorf("step %d: moved %v, want %v", i, moved, s.moved)
		}
		if got := p.next(iv, moved); got != s.wait {
			t.Errorf("step %d: next wait %v, want %v", i, got, s.wait)
		}
	}
}
