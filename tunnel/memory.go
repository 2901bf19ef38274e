package tunnel

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// When a tunnel ends, what it allocated is garbage: on Linux the data
// path's packet buffers are mappings its loops unmap themselves
// (openvpn/slab.go), but elsewhere they are several megabytes of heap, and
// everywhere the TLS state, the parsed options and the rest stay with the
// heap. Go gives freed memory back to the OS only gradually, so a service
// that connects and disconnects all day would sit on the high-water mark
// of its busiest moment. releaseMemory returns it at once, a moment after
// the tunnel's last goroutine let go of it. It costs one collection of a
// small heap per disconnect.
func releaseMemory() {
	time.AfterFunc(releaseDelay, debug.FreeOSMemory)
}

// releaseDelay lets the ended tunnel's goroutines return first, so its
// buffers are unreachable when the collection runs.
const releaseDelay = 200 * time.Millisecond

// Connects hold the garbage collector off. A connect allocates a few
// megabytes at once (the data path's buffers, TLS, the parsed profile),
// enough to start a collection in the middle of the handshake; on a
// two-core laptop that collection's worker and assists took about 2 ms of
// a 10 ms connect in the lab. So from the start of a connect until the
// tunnel is up (or fails, or gcHoldMax passes, whichever is first) the
// collector is off, with a soft memory limit gcHoldHeadroom above what the
// process already uses, so a runaway allocation still gets collected. Holds
// nest: concurrent connects restore the settings when the last one ends.
var gcHold struct {
	sync.Mutex
	n       int
	percent int   // GOGC to restore
	limit   int64 // memory limit to restore
}

const (
	gcHoldMax      = 5 * time.Second
	gcHoldHeadroom = 64 << 20
	gcReleaseDelay = 250 * time.Millisecond // after the tunnel is up
)

// holdGC turns collection off until the returned release is called (at
// most once takes effect) or gcHoldMax passes.
func holdGC() (release func()) {
	gcHold.Lock()
	if gcHold.n == 0 {
		gcHold.limit = debug.SetMemoryLimit(-1) // reads it
		if limit := goMemory() + gcHoldHeadroom; limit < gcHold.limit {
			debug.SetMemoryLimit(limit)
		}
		gcHold.percent = debug.SetGCPercent(-1)
	}
	gcHold.n++
	gcHold.Unlock()
	var once sync.Once
	end := func() {
		once.Do(func() {
			gcHold.Lock()
			defer gcHold.Unlock()
			if gcHold.n--; gcHold.n == 0 {
				debug.SetGCPercent(gcHold.percent)
				debug.SetMemoryLimit(gcHold.limit)
			}
		})
	}
	timer := time.AfterFunc(gcHoldMax, end)
	return func() {
		timer.Stop()
		end()
	}
}

// goMemory is the memory the Go runtime holds from the OS, the figure a
// memory limit is compared with.
func goMemory() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}
