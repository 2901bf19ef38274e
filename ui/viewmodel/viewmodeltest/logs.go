package viewmodeltest

import (
	"context"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/cvpn/cvpn/ui/viewmodel"
)

// The service's two logs as a test plays them: lines set up front are the
// tail Logs reads first; lines appended later reach every reader that
// follows, as the service's follow stream would.

// logState is the part of Backend the logs use; mu is Backend's.
type logState struct {
	logs      map[viewmodel.LogFile][]string
	followers map[*logStream]viewmodel.LogFile
	logsErr   error
	exportErr error
	changes   chan struct{} // a reader started or stopped following
}

// FollowChanges is signaled when a reader starts or stops following, so
// a test can wait on Following without polling.
func (b *Backend) FollowChanges() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.log.changed()
}

// changed is the signal channel; mu is held.
func (l *logState) changed() chan struct{} {
	if l.changes == nil {
		l.changes = make(chan struct{}, 1)
	}
	return l.changes
}

// signal notes a change of the followers; mu is held.
func (l *logState) signal() {
	select {
	case l.changed() <- struct{}{}:
	default:
	}
}

// AppendLog adds lines to file, and sends them to the readers following it.
func (b *Backend) AppendLog(file viewmodel.LogFile, lines ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.log.logs == nil {
		b.log.logs = map[viewmodel.LogFile][]string{}
	}
	b.log.logs[file] = append(b.log.logs[file], lines...)
	for s, f := range b.log.followers {
		if f == file {
			s.send(lines)
		}
	}
}

// Following counts the readers that follow file, so a test can append
// once the view listens.
func (b *Backend) Following(file viewmodel.LogFile) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, f := range b.log.followers {
		if f == file {
			n++
		}
	}
	return n
}

// SetLogsError makes Logs fail with err (nil: it works again).
func (b *Backend) SetLogsError(err error) {
	b.mu.Lock()
	b.log.logsErr = err
	b.mu.Unlock()
}

// SetExportError makes ExportDiagnostics fail with err (nil: it works).
func (b *Backend) SetExportError(err error) {
	b.mu.Lock()
	b.log.exportErr = err
	b.mu.Unlock()
}

// Logs implements viewmodel.Backend: the last lines of file (all with
// lines 0), then, with follow, what AppendLog adds until Close.
func (b *Backend) Logs(ctx context.Context, file viewmodel.LogFile, lines int, follow bool) (io.ReadCloser, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.log.logsErr != nil {
		return nil, b.log.logsErr
	}
	tail := b.log.logs[file]
	if lines > 0 && len(tail) > lines {
		tail = tail[len(tail)-lines:]
	}
	s := &logStream{ctx: ctx, chunks: make(chan string, 4096), done: make(chan struct{})}
	s.send(tail)
	if follow {
		if b.log.followers == nil {
			b.log.followers = map[*logStream]viewmodel.LogFile{}
		}
		b.log.followers[s] = file
		b.log.signal()
		s.unfollow = func() {
			b.mu.Lock()
			delete(b.log.followers, s)
			b.log.signal()
			b.mu.Unlock()
		}
	} else {
		close(s.chunks)
	}
	return s, nil
}

// ExportDiagnostics implements viewmodel.Backend: it records "export
// PATH" in Calls and writes a stand-in bundle there, readable by the user
// alone like the real one, or fails as SetExportError says.
func (b *Backend) ExportDiagnostics(_ context.Context, path string) error {
	b.record("export %s", path)
	b.mu.Lock()
	err := b.log.exportErr
	b.mu.Unlock()
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte("PK fake bundle"), 0o600)
}

// logStream is one reader of Logs.
type logStream struct {
	ctx      context.Context
	chunks   chan string // closed at the end of a tail without follow
	done     chan struct{}
	unfollow func()
	once     sync.Once
	buf      string // read by Read's goroutine only
}

// send queues lines; a reader that stopped reading loses them rather than
// blocking the test.
func (s *logStream) send(lines []string) {
	if len(lines) == 0 {
		return
	}
	select {
	case s.chunks <- strings.Join(lines, "\n") + "\n":
	default:
	}
}

func (s *logStream) Read(p []byte) (int, error) {
	for s.buf == "" {
		select {
		case c, ok := <-s.chunks:
			if !ok {
				return 0, io.EOF
			}
			s.buf = c
		case <-s.done:
			return 0, io.ErrClosedPipe
		case <-s.ctx.Done():
			return 0, s.ctx.Err()
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

func (s *logStream) Close() error {
	s.once.Do(func() {
		close(s.done)
		if s.unfollow != nil {
			s.unfollow()
		}
	})
	return nil
}
