package tunnel

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestHoldGC: a connect turns collection off with a memory limit above
// what the process uses; nested holds restore the caller's settings when
// the last one ends, and a second release of the same hold does nothing.
func TestHoldGC(t *testing.T) {
	orig := debug.SetGCPercent(150)
	defer debug.SetGCPercent(orig)
	origLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(origLimit)

	a := holdGC()
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GOGC during a hold = %d, want off", got)
	}
	limit := debug.SetMemoryLimit(-1)
	if limit == math.MaxInt64 || limit < goMemory() {
		t.Errorf("memory limit during a hold = %d, want a bound above the %d bytes in use", limit, goMemory())
	}
	b := holdGC()
	a()
	a() // twice: must not end b's hold
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GOGC with one hold left = %d, want off", got)
	}
	b()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("GOGC after the last hold = %d, want 150 restored", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit after the last hold = %d, want none restored", got)
	}
}
