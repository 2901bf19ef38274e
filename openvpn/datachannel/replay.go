package datachannel

// replayWindowSize matches OpenVPN's default --replay-window (64 packets),
// which 2.6 uses on UDP and TCP alike.
const replayWindowSize = 64

// replayWindow is OpenVPN's sliding packet-id window as a bitmap: bit i set
// means packet-id max-i was accepted. Ids more than 63 behind the highest
// seen are rejected, as are repeats and 0.
//
// OpenVPN also expires window slots older than --replay-window's time
// (15 s); this window does not: a packet up to 63 behind is accepted however
// late, which only matters to an attacker who can delay packets but not
// forge them, and buys nothing beyond reordering.
//
// It is not safe for concurrent use; the single goroutine calling Open for a
// key owns it.
type replayWindow struct {
	max    uint32
	bitmap uint64
}

// accept records id and reports whether it was new. Call it only after the
// packet authenticated, or forged packets could advance the window.
func (w *replayWindow) accept(id uint32) bool {
	if id == 0 {
		return false
	}
	if id > w.max {
		shift := id - w.max
		if shift >= replayWindowSize {
			w.bitmap = 1
		} else {
			w.bitmap = w.bitmap<<shift | 1
		}
		w.max = id
		return true
	}
	diff := w.max - id
	if diff >= replayWindowSize {
		return false
	}
	bit := uint64(1) << diff
	if w.bitmap&bit != 0 {
		return false
	}
	w.bitmap |= bit
	return true
}
