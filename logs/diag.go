package logs

import (
	"fmt"
	"strings"
	"time"
)

// maxLine caps one diagnostic line. lumberjack refuses a write larger than a
// whole file, and a runaway message should not be able to evict a month of
// history in one go.
const maxLine = 1 << 20

// Func is one half of the two-function logger cvpn's packages accept
// (wireguard-go style): a printf-like sink.
type Func = func(format string, args ...any)

// Logger writes leveled text lines to the diagnostic log, redacted. It is a
// value passed to whoever needs it; there is no package-level logger.
type Logger struct {
	d     *Dir
	debug bool
}

// Logf writes an INFO line.
func (l *Logger) Logf(format string, args ...any) { l.emit("INFO", format, args) }

// Errorf writes an ERROR line.
func (l *Logger) Errorf(format string, args ...any) { l.emit("ERROR", format, args) }

// Debugf writes a DEBUG line when the logger was made with debug on, and is
// otherwise cheap: nothing is formatted.
func (l *Logger) Debugf(format string, args ...any) {
	if l.debug {
		l.emit("DEBUG", format, args)
	}
}

// Verbosef is Debugf under the name wireguard-go's device.Logger uses, so
// Funcs can hand both halves to code written in that style.
func (l *Logger) Verbosef(format string, args ...any) { l.Debugf(format, args...) }

// Funcs returns the verbose and error halves of the two-function logger.
func (l *Logger) Funcs() (verbosef, errorf Func) { return l.Verbosef, l.Errorf }

// emit formats, redacts and writes one line. Redaction runs on the whole
// message before newlines are folded, so a PEM block spanning lines is
// caught. Write errors are dropped: a logger has nowhere to report them.
func (l *Logger) emit(level, format string, args []any) {
	if l == nil || l.d == nil {
		return
	}
	msg := l.d.redactor.Redact(fmt.Sprintf(format, args...))
	if len(msg) > maxLine {
		msg = msg[:maxLine] + " [truncated]"
	}
	// Continuation lines are indented so each record stays one logical line.
	msg = strings.ReplaceAll(strings.TrimRight(msg, "\n"), "\n", "\n\t")
	var b strings.Builder
	b.Grow(len(msg) + 40)
	b.WriteString(l.d.now().UTC().Format(time.RFC3339Nano))
	b.WriteByte(' ')
	b.WriteString(level)
	b.WriteByte(' ')
	b.WriteString(msg)
	b.WriteByte('\n')
	_ = l.d.write(l.d.diag, []byte(b.String()))
}
