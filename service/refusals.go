package service

import (
	"fmt"
	"sync"
	"time"
)

// A refused caller is by definition someone the service does not trust,
// and each refusal is worth a line for the administrator — but only a
// few: the log is size-capped, so a caller who could write without limit
// could rotate the history away. Each uid gets refusalLines lines per
// refusalWindow; past that its refusals are counted, and one summary line
// reports the count when the window ends. Callers' text (the request
// path) is cut to refusalPathMax bytes and quoted, so it can neither grow
// a line nor start one.
const (
	refusalLines   = 5
	refusalWindow  = time.Minute
	refusalPathMax = 64
	// refusalUIDs bounds the uids tracked at once; more share one bucket.
	refusalUIDs = 256
	// overflowUID is that shared bucket.
	overflowUID = -3
)

// refusalLog rate-limits refusal lines per uid. The zero value is ready;
// logf receives the lines.
type refusalLog struct {
	mu     sync.Mutex
	now    func() time.Time
	logf   func(format string, args ...any)
	byUID  map[int]*refusalBucket
	maxUID int // refusalUIDs unless a test shrinks it
}

type refusalBucket struct {
	start      time.Time // of the current window
	logged     int
	suppressed int
}

// note logs one refusal of uid unless the uid has used its lines for this
// window, in which case it only counts it.
func (l *refusalLog) note(uid int, format string, args ...any) {
	var lines []string
	l.mu.Lock()
	now := l.clock()
	if l.byUID == nil {
		l.byUID = map[int]*refusalBucket{}
	}
	if l.byUID[uid] == nil && len(l.byUID) >= l.limit() {
		lines = l.flushLocked(now, lines)
		if len(l.byUID) >= l.limit() {
			uid = overflowUID
		}
	}
	b := l.byUID[uid]
	if b == nil {
		b = &refusalBucket{start: now}
		l.byUID[uid] = b
	}
	if now.Sub(b.start) >= refusalWindow {
		lines = appendSummary(lines, uid, b)
		*b = refusalBucket{start: now}
	}
	if b.logged < refusalLines {
		b.logged++
		lines = append(lines, fmt.Sprintf(format, args...))
	} else {
		b.suppressed++
	}
	l.mu.Unlock()
	l.emit(lines)
}

// flush writes the summaries of windows that have ended and forgets their
// uids; the server calls it periodically so a caller who stops is still
// reported.
func (l *refusalLog) flush() {
	l.mu.Lock()
	lines := l.flushLocked(l.clock(), nil)
	l.mu.Unlock()
	l.emit(lines)
}

func (l *refusalLog) flushLocked(now time.Time, lines []string) []string {
	for uid, b := range l.byUID {
		if now.Sub(b.start) >= refusalWindow {
			lines = appendSummary(lines, uid, b)
			delete(l.byUID, uid)
		}
	}
	return lines
}

func appendSummary(lines []string, uid int, b *refusalBucket) []string {
	if b.suppressed == 0 {
		return lines
	}
	from := fmt.Sprintf("uid %d", uid)
	switch uid {
	case overflowUID:
		from = "other uids"
	case unknownUID:
		from = "unidentified callers"
	}
	return append(lines, fmt.Sprintf("%d more refusals from %s in %s were not logged (at most %d lines a minute per uid)",
		b.suppressed, from, refusalWindow, refusalLines))
}

func (l *refusalLog) emit(lines []string) {
	if l.logf == nil {
		return
	}
	for _, line := range lines {
		l.logf("%s", line)
	}
}

func (l *refusalLog) clock() time.Time {
	if l.now != nil {
		return l.now()
	}
	return time.Now()
}

func (l *refusalLog) limit() int {
	if l.maxUID > 0 {
		return l.maxUID
	}
	return refusalUIDs
}

// quoteClipped quotes a caller's text for the log, cut to max bytes first.
func quoteClipped(s string, max int) string {
	if len(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q… (%d bytes)", s[:max], len(s))
}
