package tlswrap

import (
	"fmt"
	"math"
	"time"
)

// Replay protection for the control channel, modelled on OpenVPN's
// packet_id.c in its long form (the only form tls-auth and tls-crypt use):
//
//	id(4) ‖ time(4)    big-endian
//
// "time" is not a per-packet timestamp. It is the sender's epoch: the Unix
// time at which the sender first wrapped a packet, changed only when the id
// space is exhausted. A receiver therefore treats a larger time as a new
// sequence and a smaller one as a replay, and within one time it keeps a
// sliding window of recently seen ids. Each transmission, retransmissions
// included, takes a fresh id: the reliability layer's message id is what stays
// the same across retransmissions, not this one.

const (
	// DefaultReplayWindow is OpenVPN's default --replay-window size.
	DefaultReplayWindow = 64
	// DefaultReplayTime is OpenVPN's default --replay-window time backtrack.
	DefaultReplayTime = 15 * time.Second
)

// sendID is the sender half: the next replay packet id and the epoch.
type sendID struct {
	id      uint32 // last id handed out; the next one is id+1
	epoch   uint32
	started bool
}

// next returns the id and time for the next transmission.
func (s *sendID) next(now time.Time) (id, epoch uint32, err error) {
	unix := uint32(now.Unix())
	if !s.started {
		s.epoch = unix
		s.started = true
	}
	if s.id == math.MaxUint32 {
		// Like the reference, roll over only into a later epoch, so that the
		// pair (id, time) never repeats.
		if unix <= s.epoch {
			return 0, 0, ErrPacketIDExhausted
		}
		s.epoch = unix
		s.id = 0
	}
	s.id++
	return s.id, s.epoch, nil
}

type slotState uint8

const (
	slotUnseen slotState = iota
	slotSeen
	slotExpired
)

type slot struct {
	state slotState
	at    time.Time // local arrival time, for the time backtrack
}

// replayWindow is the receiver half. slots is a ring: item(0) is the highest
// id seen (id), item(i) is id-i; n counts the valid items.
type replayWindow struct {
	backtrack time.Duration
	epoch     uint32
	id        uint32
	slots     []slot
	head, n   int
}

func newReplayWindow(size int, backtrack time.Duration) replayWindow {
	return replayWindow{backtrack: backtrack, slots: make([]slot, size)}
}

func (w *replayWindow) item(i int) *slot {
	return &w.slots[(w.head-i+len(w.slots))%len(w.slots)]
}

func (w *replayWindow) push() {
	w.head = (w.head + 1) % len(w.slots)
	w.slots[w.head] = slot{}
	if w.n < len(w.slots) {
		w.n++
	}
}

// reap expires ids that arrived more than the backtrack ago, and every id
// older than those, so a delayed copy cannot be accepted later. The reference
// reaps every 5 s; reaping on every check is simpler and never less strict.
func (w *replayWindow) reap(now time.Time) {
	expire := false
	for i := 0; i < w.n; i++ {
		s := w.item(i)
		if s.state == slotExpired {
			break
		}
		if !expire && s.state == slotSeen && s.at.Add(w.backtrack).Before(now) {
			expire = true
		}
		if expire {
			s.state = slotExpired
		}
	}
}

// check reports whether (id, epoch) may be accepted. It does not record it:
// call accept only once the packet has been authenticated, so that forged
// packets cannot move the window.
func (w *replayWindow) check(id, epoch uint32, now time.Time) error {
	w.reap(now)
	if id == 0 {
		return fmt.Errorf("%w: packet id 0", ErrReplay)
	}
	switch {
	case epoch > w.epoch:
		return nil
	case epoch < w.epoch:
		return fmt.Errorf("%w: time %d before %d", ErrReplay, epoch, w.epoch)
	case id > w.id:
		return nil
	}
	diff := w.id - id
	if diff >= uint32(w.n) {
		return fmt.Errorf("%w: id %d too far behind %d", ErrReplay, id, w.id)
	}
	if s := w.item(int(diff)); s.state != slotUnseen {
		return fmt.Errorf("%w: id %d seen or expired", ErrReplay, id)
	}
	return nil
}

// accept records (id, epoch), which check has approved.
func (w *replayWindow) accept(id, epoch uint32, now time.Time) {
	size := uint32(len(w.slots))
	if w.n == 0 || epoch > w.epoch || (id >= size && id-size > w.id) {
		// A new epoch, or a jump past the whole window: start over.
		w.epoch = epoch
		w.id = 0
		if id > size {
			w.id = id - size
		}
		w.n = 0
	}
	for w.id < id {
		w.push()
		w.id++
	}
	if diff := w.id - id; diff < uint32(w.n) {
		*w.item(int(diff)) = slot{state: slotSeen, at: now}
	}
}
