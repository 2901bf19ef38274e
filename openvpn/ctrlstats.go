package openvpn

import (
	"sync"
	"sync/atomic"
	"time"
)

// ctrlStats counts control packets the session refused because they asked
// for something it did not expect, and keeps the log of them bounded: such
// packets may be forged, and whoever forges them must not be able to fill
// the log.
type ctrlStats struct {
	ignoredResets atomic.Uint64
	resetLog      logLimiter
}

// logLimitInterval is how often a refusal of one kind reaches the log.
const logLimitInterval = 10 * time.Second

// logLimiter lets through the first line and then at most one per
// logLimitInterval, saying how many it held back in between.
type logLimiter struct {
	mu         sync.Mutex
	next       time.Time
	suppressed int
}

// allow reports whether a line may be logged at now and, if so, how many
// were held back since the last one.
func (r *logLimiter) allow(now time.Time) (ok bool, suppressed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Before(r.next) {
		r.suppressed++
		return false, 0
	}
	r.next = now.Add(logLimitInterval)
	suppressed, r.suppressed = r.suppressed, 0
	return true, suppressed
}
