package desktop

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"github.com/cvpn/cvpn/ui/i18n"
	"github.com/cvpn/cvpn/ui/viewmodel"
)

// logClock is the real clock of the Logs window's batches.
type logClock struct{}

func (logClock) Now() time.Time { return time.Now() }
func (logClock) AfterFunc(d time.Duration, f func()) viewmodel.Timer {
	return time.AfterFunc(d, f)
}

// add queues lines (or the error that ended the stream) of stream gen,
// and sets the timer of the next batch unless one is set: due at once
// after a quiet second, else a second after the last batch.
func (l *Logs) add(gen int, lines []string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if gen != l.gen || l.ctx.Err() != nil {
		return // a dropped stream's, or the window closed
	}
	if err != nil {
		l.readErr = err
	} else {
		l.pending = append(l.pending, lines...)
		if n := len(l.pending) - l.opts.MaxLines; n > 0 {
			// Fyne is behind: what it would drop anyway goes now.
			l.pending = append(l.pending[:0], l.pending[n:]...)
		}
	}
	if l.timer == nil {
		wait := max(0, l.last.Add(viewmodel.MinInterval).Sub(l.opts.Clock.Now()))
		l.timer = l.opts.Clock.AfterFunc(wait, l.flush)
	}
}

// flush hands the pending lines to Fyne's goroutine as one batch.
func (l *Logs) flush() {
	l.mu.Lock()
	gen, lines, err := l.gen, l.pending, l.readErr
	l.pending, l.readErr, l.timer = nil, nil, nil
	l.last = l.opts.Clock.Now()
	l.mu.Unlock()
	l.opts.Do(func() {
		l.mu.Lock()
		stale := gen != l.gen
		l.mu.Unlock()
		if !stale {
			l.draw(lines, err)
		}
	})
}

// draw appends a batch, keeping the last MaxLines, and redraws once.
func (l *Logs) draw(lines []string, err error) {
	if err != nil {
		l.banner.show(explained(err))
	}
	if len(lines) == 0 {
		return
	}
	l.lines = append(l.lines, lines...)
	if n := len(l.lines) - l.opts.MaxLines; n > 0 {
		// Copied, so the dropped lines' memory is freed, not kept behind
		// the slice's start.
		l.lines = append([]string(nil), l.lines[n:]...)
	}
	l.refilter()
}

// refilter shows the lines that contain the filter, ignoring case.
func (l *Logs) refilter() {
	q := strings.ToLower(strings.TrimSpace(l.filter.Text))
	l.shown = l.lines
	if q != "" {
		l.shown = nil
		for _, line := range l.lines {
			if strings.Contains(strings.ToLower(line), q) {
				l.shown = append(l.shown, line)
			}
		}
	}
	if len(l.shown) == 0 {
		l.empty.Show()
	} else {
		l.empty.Hide()
	}
	l.list.Refresh()
	if l.follow.Checked {
		l.list.ScrollToBottom()
	}
}

// chooseExport asks where to save the diagnostics, then exports.
func (l *Logs) chooseExport() {
	choose := l.opts.ChooseSave
	if choose == nil {
		choose = chooseSaveFile
	}
	choose(l.win, l.exportTo)
}

// exportTo writes the bundle to path off Fyne's goroutine, saying so
// meanwhile, then says where it went or why not and what to do.
func (l *Logs) exportTo(path string) {
	l.export.Disable()
	l.banner.show(&message{cause: i18n.T("logs.exporting"), kind: kindInfo})
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		ctx, cancel := context.WithTimeout(l.ctx, 2*time.Minute)
		err := l.m.ExportDiagnostics(ctx, path)
		cancel()
		if l.ctx.Err() != nil {
			return // the window closed
		}
		l.opts.Do(func() {
			l.export.Enable()
			l.banner.show(exportMessage(path, err))
		})
	}()
}

// exportMessage is what the banner says after an export.
func exportMessage(path string, err error) *message {
	if err == nil {
		return &message{cause: i18n.TD("logs.export.done", map[string]any{"Path": path}), fix: i18n.T("logs.export.hint"), kind: kindInfo}
	}
	m := explained(err)
	m.cause = i18n.TD("logs.export.failed", map[string]any{"Message": m.cause})
	return m
}

// explained is err as the banner says it, with its fix.
func explained(err error) *message {
	e := viewmodel.Explain(err)
	if e == nil { // canceled: still say that it did not happen
		e = &viewmodel.ErrorView{Message: err.Error()}
	}
	return errorMessage(e)
}

// chooseSaveFile is Fyne's save dialog. The dialog creates the file; the
// export replaces it whole, readable by the user alone.
func chooseSaveFile(parent fyne.Window, done func(path string)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		_ = w.Close()
		done(path)
	}, parent)
	d.SetFileName("cvpn-diagnostics-" + time.Now().Format("20060102-150405") + ".zip")
	d.Show()
}
