package service

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/service/api"
)

// Log file names inside the log directory (see package logs).
const (
	diagnosticLog = "diagnostic.log"
	connectionLog = "connection.jsonl"
)

// logs sends the tail of the diagnostic log (?file=connections for the
// connection log), and with ?follow=1 keeps sending what is appended,
// across rotations, until the client goes away. The files are root's and
// 0600; this is how the console user reads them.
func (s *Server) logs(w http.ResponseWriter, r *http.Request) {
	if s.Logs == nil {
		writeError(w, http.StatusNotFound, api.CodeInternal, "logs: this service keeps no logs")
		return
	}
	name := diagnosticLog
	if r.URL.Query().Get("file") == "connections" {
		name = connectionLog
	}
	lines := 200
	if v := r.URL.Query().Get("lines"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, api.CodeBadRequest, "logs: lines must be a number ≥ 0")
			return
		}
		lines = n
	}
	path := filepath.Join(s.Logs.Path(), name)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	offset, err := sendTail(w, path, lines)
	if err != nil {
		return // the answer has begun; the client sees it cut short
	}
	if r.URL.Query().Get("follow") != "1" {
		return
	}
	fl, _ := w.(http.Flusher)
	if fl != nil {
		fl.Flush()
	}
	// The stream ends when the caller goes, or loses the right to read
	// the log (streamguard.go).
	ctx, done := s.guardStream(w, r)
	defer done()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		st, err := os.Stat(path)
		if err != nil {
			continue
		}
		if st.Size() < offset {
			offset = 0 // rotated: the live file started again
		}
		if st.Size() == offset {
			continue
		}
		n, err := copyFrom(w, path, offset)
		offset += n
		if err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
	}
}

func copyFrom(w io.Writer, path string, offset int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return 0, nil
	}
	return io.Copy(w, f)
}

// sendTail copies the last n lines of the file at path to w, reading
// backwards from its end (logs.TailOffset) and streaming, so neither the
// file's size nor n decides the memory used. It returns the offset it
// stopped at, where a follower goes on. A missing log is an empty one.
func sendTail(w io.Writer, path string, n int) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, nil
	}
	size := st.Size()
	start, err := logs.TailOffset(f, size, n)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(w, io.NewSectionReader(f, start, size-start)); err != nil {
		return 0, err
	}
	return size, nil
}

// export writes a diagnostics bundle: every log file (already redacted when
// written), the service's status and facts about the machine. The client
// adds the user's profiles, with their keys removed.
//
// The zip is written straight to the client, each file copied in bounded
// pieces: the logs reach 90 MB, and the service must not hold them in
// memory, once or per concurrent export. At most maxExports run at once;
// another is answered busy. A log that cannot be read is named in
// service/errors.txt instead of failing a bundle already under way.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	select {
	case s.exports <- struct{}{}:
		defer func() { <-s.exports }()
	default:
		writeError(w, http.StatusServiceUnavailable, api.CodeBusy, fmt.Sprintf(
			"logs export: %d exports are already running, the most the service makes at once; try again when one has finished", maxExports))
		return
	}
	// The bundle takes as long as the client takes to read it; each write
	// gets its own deadline instead (deadlineWriter).
	rc := http.NewResponseController(w)
	if r.ContentLength == 0 {
		_ = rc.SetReadDeadline(time.Time{})
	}
	w.Header().Set("Content-Type", "application/zip")
	zw := zip.NewWriter(&deadlineWriter{w: w, rc: rc, timeout: s.request})
	if err := s.writeBundle(r, zw); err != nil {
		s.logf("logs export: %v", err)
		return // the zip is left unfinished, so the client cannot mistake it for whole
	}
	if err := zw.Close(); err != nil {
		s.logf("logs export: %v", err)
	}
}

// maxExports bounds concurrent diagnostics exports: each holds a deflate
// state (about 1 MB) and a log file open while its client reads.
const maxExports = 2

// deadlineWriter gives each write to a slow client its own deadline.
type deadlineWriter struct {
	w       io.Writer
	rc      *http.ResponseController
	timeout time.Duration
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	_ = d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
	return d.w.Write(p)
}

func (s *Server) writeBundle(r *http.Request, zw *zip.Writer) error {
	var problems []string
	if s.Logs != nil {
		entries, err := os.ReadDir(s.Logs.Path())
		if err != nil {
			problems = append(problems, fmt.Sprintf("read log directory: %v", err))
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			err := addLogFile(zw, filepath.Join(s.Logs.Path(), e.Name()), "logs/"+e.Name())
			var fe *fileError
			if errors.As(err, &fe) {
				problems = append(problems, err.Error())
			} else if err != nil {
				return err
			}
		}
	}
	status, err := json.MarshalIndent(s.statusBody(r.Context()), "", "  ")
	if err != nil {
		return err
	}
	if err := addFile(zw, "service/status.json", status); err != nil {
		return err
	}
	facts := []string{
		"service version: " + s.Version,
		"os: " + runtime.GOOS + "/" + runtime.GOARCH,
		"go: " + runtime.Version(),
		"exported: " + time.Now().UTC().Format(time.RFC3339),
	}
	if s.Facts != nil {
		facts = append(facts, s.Facts()...)
	}
	sort.Strings(facts[4:])
	if err := addFile(zw, "service/facts.txt", []byte(strings.Join(facts, "\n")+"\n")); err != nil {
		return err
	}
	if len(problems) > 0 {
		return addFile(zw, "service/errors.txt", []byte(strings.Join(problems, "\n")+"\n"))
	}
	return nil
}

// fileError is a log file that could not be read: noted in the bundle,
// not fatal to it.
type fileError struct{ err error }

func (e *fileError) Error() string { return e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

// addLogFile copies the file at path into the zip as name, up to the size
// it had when opened: a live log keeps growing while it is copied.
func addLogFile(zw *zip.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return &fileError{fmt.Errorf("read %s: %w", name, err)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return &fileError{fmt.Errorf("read %s: %w", name, err)}
	}
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: st.ModTime()})
	if err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	if _, err := io.Copy(zf, io.LimitReader(f, st.Size())); err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	return nil
}

func addFile(zw *zip.Writer, name string, data []byte) error {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("add %s: %w", name, err)
	}
	return nil
}
