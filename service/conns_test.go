package service

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The quotas leave a reserve that only root and the console user reach.
func TestConnLimiter(t *testing.T) {
	const console = 1000
	isConsole := func(uid int) func() bool { return func() bool { return uid == console } }
	var l connLimiter
	// Eight hostile uids fill their quotas, which fills the shared part.
	for uid := 2000; uid < 2000+maxConnsShared/maxConnsPerUID; uid++ {
		for range maxConnsPerUID {
			if ok, why := l.take(uid, false, isConsole(uid)); !ok {
				t.Fatalf("uid %d refused within its quota: %s", uid, why)
			}
		}
		if ok, _ := l.take(uid, false, isConsole(uid)); ok {
			t.Fatalf("uid %d admitted past its quota", uid)
		}
	}
	tests := []struct {
		name  string
		uid   int
		admin bool
		ok    bool
		why   string
	}{
		{"another hostile uid", 3000, false, false, "kept for root and the console user"},
		{"the console user", console, false, true, ""},
		{"root", 0, true, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := l.take(tt.uid, tt.admin, isConsole(tt.uid))
			if ok != tt.ok || !strings.Contains(why, tt.why) {
				t.Errorf("take = %v %q; want %v %q", ok, why, tt.ok, tt.why)
			}
		})
	}
	// Root too stops at the hard ceiling.
	for l.total < maxConnsTotal {
		if ok, why := l.take(0, true, nil); !ok {
			t.Fatalf("root refused below the ceiling: %s", why)
		}
	}
	if ok, why := l.take(0, true, nil); ok || !strings.Contains(why, "the most it accepts") {
		t.Errorf("root past the ceiling: %v %q", ok, why)
	}
	l.release(0)
	if ok, _ := l.take(0, true, nil); !ok {
		t.Error("a released connection was not given back")
	}
}

// Each uid gets a few lines a minute; the rest become one summary line,
// written when its window ends whether or not the uid comes back.
func TestRefusalLog(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	var lines []string
	l := refusalLog{now: func() time.Time { return now }, logf: func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }}
	for i := range 100 {
		l.note(65534, "refusal %d", i)
	}
	l.note(1001, "other uid")
	if len(lines) != refusalLines+1 || lines[refusalLines] != "other uid" {
		t.Fatalf("first window logged %q", lines)
	}
	lines = nil
	l.flush()
	if len(lines) != 0 {
		t.Errorf("a flush inside the window wrote %q", lines)
	}
	now = now.Add(refusalWindow)
	l.flush()
	if len(lines) != 1 || !strings.Contains(lines[0], "95 more refusals from uid 65534") {
		t.Errorf("the summary is %q", lines)
	}
	lines = nil
	l.note(65534, "again")
	if len(lines) != 1 || lines[0] != "again" {
		t.Errorf("a new window logged %q", lines)
	}
	// Uids past the tracked number share one bucket.
	l = refusalLog{now: func() time.Time { return now }, logf: l.logf, maxUID: 2}
	lines = nil
	for uid := range 50 {
		l.note(uid, "uid %d", uid)
	}
	if len(l.byUID) > 3 || len(lines) != 2+refusalLines {
		t.Errorf("%d uids tracked, %d lines written; want at most 3 and %d", len(l.byUID), len(lines), 2+refusalLines)
	}
	now = now.Add(refusalWindow)
	lines = nil
	l.flush()
	if len(lines) != 1 || !strings.Contains(lines[0], "43 more refusals from other uids") {
		t.Errorf("the overflow summary is %q", lines)
	}
}

func TestQuoteClipped(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/v1/status", `"/v1/status"`},
		{"/x\nINJECTED", `"/x\nINJECTED"`},
		{strings.Repeat("a", 70), `"` + strings.Repeat("a", 64) + `"… (70 bytes)`},
	}
	for _, tt := range tests {
		if got := quoteClipped(tt.in, 64); got != tt.want {
			t.Errorf("quoteClipped(%.20q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
