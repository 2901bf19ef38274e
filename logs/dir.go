package logs

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

// The product promises that nothing older than MaxAge is kept and that one
// directory's logs never exceed MaxTotal bytes, counting both live files and
// every rotated or compressed backup of both logs.
//
// lumberjack only caps each file, so Dir adds its own enforcement pass. The
// sizes below are chosen so the promise holds between passes:
//
//	settled budget after a pass (live files included)   64 MB  (retainBudget)
//	bytes written before the next pass, both logs       + 1 MB  (enforceEvery)
//	a .gz being written next to its source, per log     +10 MB ×2 (fileMaxMB; gzip of
//	                                                            incompressible data ≈ source)
//	worst case on disk                                  = 85 MB ≤ 90 MB
const (
	MaxAge   = 30 * 24 * time.Hour
	MaxTotal = 90 << 20

	fileMaxMB     = 10
	retainBudget  = 64 << 20
	enforceEvery  = 1 << 20
	enforcePeriod = time.Minute

	fileMode os.FileMode = 0o600

	connBase = "connection"
	connExt  = ".jsonl"
	diagBase = "diagnostic"
	diagExt  = ".log"

	// lumberjack's backup naming: <base>-<UTC time><ext>[.gz].
	backupTimeFormat = "2006-01-02T15-04-05.000"
)

// Dir is one user's log directory: the connection log, the diagnostic log,
// and the retention that spans both. Its methods are safe for concurrent use.
type Dir struct {
	path     string
	now      func() time.Time
	redactor *Redactor

	mu          sync.Mutex // serialises writes with enforcement
	conn, diag  *lumberjack.Logger
	sinceCheck  int64
	lastCheck   time.Time
	lastEnforce error
}

// Options tunes Open. The zero value is production behaviour.
type Options struct {
	// Now replaces time.Now so tests can age files without waiting. It
	// drives retention and record timestamps; lumberjack still names
	// backups with the wall clock.
	Now func() time.Time
	// Redactor receives secrets registered at run time. Nil means a fresh one.
	Redactor *Redactor
}

// Open creates (or repairs) dir with owner-only modes and prepares both logs.
// It refuses (ErrUnsafePath) a directory, or a file of our logs in it, that
// is a link or that another user owns or may write (see PrepareDir).
// It enforces the caps once, so a directory left over-full by an older
// version or a crash is brought back within them before anything is written.
func Open(dir string, opts Options) (*Dir, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Redactor == nil {
		opts.Redactor = &Redactor{}
	}
	// The service writes here as root: refuse a directory or file another
	// user could have planted (privdir.go), and tighten our own modes.
	if err := PrepareDir(dir); err != nil {
		return nil, fmt.Errorf("log dir: %w", err)
	}
	if err := claimFiles(dir); err != nil {
		return nil, err
	}
	d := &Dir{
		path:     dir,
		now:      opts.Now,
		redactor: opts.Redactor,
		conn:     newLumberjack(filepath.Join(dir, connBase+connExt)),
		diag:     newLumberjack(filepath.Join(dir, diagBase+diagExt)),
	}
	d.lastCheck = d.now()
	if err := d.enforce(); err != nil {
		return nil, err
	}
	return d, nil
}

func newLumberjack(name string) *lumberjack.Logger {
	return &lumberjack.Logger{
		Filename: name,
		MaxSize:  fileMaxMB,
		// lumberjack's own age limit is a backstop on the wall clock; the
		// authoritative one is enforce, on the injected clock.
		MaxAge:   int(MaxAge / (24 * time.Hour)),
		Compress: true,
	}
}

// Path is the directory the logs live in.
func (d *Dir) Path() string { return d.path }

// Redactor is the redactor both writers use; register run-time secrets here.
func (d *Dir) Redactor() *Redactor { return d.redactor }

// Connections is the writer for the connection log.
func (d *Dir) Connections() *ConnLog { return &ConnLog{d: d} }

// Logger is a diagnostic logger; debug enables Debugf lines.
func (d *Dir) Logger(debug bool) *Logger { return &Logger{d: d, debug: debug} }

// Enforce applies the age and size caps now. The service calls it on a
// timer, because writes alone never age out an idle directory.
func (d *Dir) Enforce() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.enforce()
}

// Close closes both live files. lumberjack v2.2.1 keeps its compression
// goroutine after Close; that is its limitation, not a leak of ours.
func (d *Dir) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	err1 := d.conn.Close()
	err2 := d.diag.Close()
	if err1 != nil {
		return fmt.Errorf("close connection log: %w", err1)
	}
	if err2 != nil {
		return fmt.Errorf("close diagnostic log: %w", err2)
	}
	return nil
}

// write appends p to l and runs enforcement when enough bytes or time have
// passed. Counting bytes here, rather than watching for rotations, bounds
// how far the directory can overshoot between passes (see the table above).
func (d *Dir) write(l *lumberjack.Logger, p []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := l.Write(p); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(l.Filename), err)
	}
	d.sinceCheck += int64(len(p))
	if d.sinceCheck >= enforceEvery || d.now().Sub(d.lastCheck) >= enforcePeriod {
		// A failed pass must not lose the line that was written; the
		// error is kept for the next Enforce caller instead.
		d.lastEnforce = d.enforce()
	}
	return nil
}
