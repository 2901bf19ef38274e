package reliable

// Acks tracks acknowledgements owed to the peer.
//
// Fresh ids (received, not yet acknowledged) wait in a pending list of at
// most MaxAcks; an id that does not fit is not recorded, and the peer's
// retransmission will bring it back. Take moves the ids it sends to the front
// of a most-recently-used list and then fills the packet from that list, so
// every outgoing packet repeats up to its limit of recent ACKs. This is how
// 2.6 repairs lost ACKs (reliable.c:copy_acks_to_mru, reliable_ack_write).
type Acks struct {
	pending  [MaxAcks]uint32
	nPending int
	recent   [MaxAcks]uint32 // most recent first
	nRecent  int
}

// Add records id as owed. It reports false if id was already pending or the
// pending list is full.
func (a *Acks) Add(id uint32) bool {
	for _, p := range a.pending[:a.nPending] {
		if p == id {
			return false
		}
	}
	if a.nPending == MaxAcks {
		return false
	}
	a.pending[a.nPending] = id
	a.nPending++
	return true
}

// Pending returns the number of fresh ids not yet sent.
func (a *Acks) Pending() int { return a.nPending }

// Count returns how many ids Take(dst, max) would return, so the caller can
// size a packet before building it.
func (a *Acks) Count(max int) int {
	c := *a
	var buf [MaxAcks]uint32
	return len(c.Take(buf[:0], max))
}

// Take appends to dst the ids to put in one outgoing packet carrying at most
// max ACKs: first up to max fresh ids (which stop being pending), then
// recently sent ones, most recent first, without duplicates.
func (a *Acks) Take(dst []uint32, max int) []uint32 {
	max = min(max, MaxAcks)
	if max <= 0 {
		return dst
	}
	n := min(a.nPending, max)
	// Promote pending[n-1] first and pending[0] last, so that pending[0]
	// ends up most recent: the order on the wire matches the reference's.
	for i := n - 1; i >= 0; i-- {
		a.promote(a.pending[i])
	}
	copy(a.pending[:], a.pending[n:a.nPending])
	a.nPending -= n
	return append(dst, a.recent[:min(max, a.nRecent)]...)
}

// promote moves id to the front of the recent list, dropping the oldest
// entry if the list is full and id was not in it.
func (a *Acks) promote(id uint32) {
	i := 0
	for i < a.nRecent && a.recent[i] != id {
		i++
	}
	if i == a.nRecent {
		if a.nRecent < MaxAcks {
			a.nRecent++
		}
		i = a.nRecent - 1
	}
	copy(a.recent[1:i+1], a.recent[:i])
	a.recent[0] = id
}
