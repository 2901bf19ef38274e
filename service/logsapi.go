package service

import (
	"archive/zip"
	"bytes"
	"encoding/json"
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
	data, _ := os.ReadFile(path) // a missing log is an empty one
	_, _ = w.Write(lastLines(data, lines))
	if r.URL.Query().Get("follow") != "1" {
		return
	}
	fl, _ := w.(http.Flusher)
	if fl != nil {
		fl.Flush()
	}
	offset := int64(len(data))
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
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

// lastLines returns the last n lines of data.
func lastLines(data []byte, n int) []byte {
	if n == 0 {
		return nil
	}
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end--
	}
	i := end
	for count := 0; i > 0; i-- {
		if data[i-1] == '\n' {
			count++
			if count == n {
				break
			}
		}
	}
	return data[i:]
}

// export writes a diagnostics bundle: every log file (already redacted when
// written), the service's status and facts about the machine. The client
// adds the user's profiles, with their keys removed.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if err := s.writeBundle(r, zw); err != nil {
		writeError(w, http.StatusInternalServerError, api.CodeInternal, "logs export: "+err.Error())
		return
	}
	if err := zw.Close(); err != nil {
		writeError(w, http.StatusInternalServerError, api.CodeInternal, "logs export: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) writeBundle(r *http.Request, zw *zip.Writer) error {
	if s.Logs != nil {
		entries, err := os.ReadDir(s.Logs.Path())
		if err != nil {
			return fmt.Errorf("read log directory: %w", err)
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(s.Logs.Path(), e.Name()))
			if err != nil {
				return fmt.Errorf("read log: %w", err)
			}
			if err := addFile(zw, "logs/"+e.Name(), data); err != nil {
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
	return addFile(zw, "service/facts.txt", []byte(strings.Join(facts, "\n")+"\n"))
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
