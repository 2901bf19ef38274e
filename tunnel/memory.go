package tunnel

import (
	"runtime/debug"
	"time"
)

// A tunnel's data path holds several megabytes of packet buffers (batches
// of 64 KiB buffers, for the TUN's and the socket's offloads). When it
// ends they are garbage, but Go gives freed memory back to the OS only
// gradually, so a service that connects and disconnects all day would sit
// on the high-water mark of its busiest moment. releaseMemory returns it
// at once, a moment after the tunnel's last goroutine let go of it. It
// costs one collection of a small heap per disconnect.
func releaseMemory() {
	time.AfterFunc(releaseDelay, debug.FreeOSMemory)
}

// releaseDelay lets the ended tunnel's goroutines return first, so its
// buffers are unreachable when the collection runs.
const releaseDelay = 200 * time.Millisecond
