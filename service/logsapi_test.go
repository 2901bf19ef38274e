package service_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
)

// fillLog appends about size bytes of lines to the service's diagnostic
// log, random (incompressible) or repetitive, and returns the last line.
func fillLog(t *testing.T, ts *testService, size int, random bool) string {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(ts.logs.Path(), "diagnostic.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var last string
	noise := make([]byte, 40)
	for i := 0; i*100 < size; i++ {
		text := "a line of the kind the service writes when it is busy"
		if random {
			_, _ = rand.Read(noise)
			text = hex.EncodeToString(noise)
		}
		last = fmt.Sprintf("2026-01-01T00:00:00Z INFO %08d %s\n", i, text)
		_, _ = w.WriteString(last)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return last
}

// allocated returns how many bytes fn allocated, in the whole process.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// rawGet sends one GET over its own connection and returns the answer with
// its body unread.
func rawGet(t *testing.T, ts *testService, path string) (*http.Response, net.Conn) {
	t.Helper()
	c, err := net.Dial("unix", ts.sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: cvpn\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp, c
}

// The last line of a 30 MB log costs the service a small read, not the file.
func TestAPILogsTailReadsOnlyTheEnd(t *testing.T) {
	ts := startService(t)
	last := fillLog(t, ts, 30<<20, false)
	var out strings.Builder
	n := allocated(func() {
		if err := ts.c.Logs(context.Background(), &out, client.LogsOptions{Lines: 1}); err != nil {
			t.Fatal(err)
		}
	})
	if out.String() != last {
		t.Errorf("logs -n 1 = %.200q, want %q", out.String(), last)
	}
	t.Logf("logs -n 1 of a 30 MB log allocated %d bytes", n)
	if n > 2<<20 {
		t.Errorf("logs -n 1 of a 30 MB log allocated %d bytes; want at most 2 MiB", n)
	}
}

// An export streams: the service never holds a 30 MB log in memory.
func TestAPIExportStreams(t *testing.T) {
	ts := startService(t)
	fillLog(t, ts, 30<<20, false)
	var got int64
	n := allocated(func() {
		resp, _ := rawGet(t, ts, api.PathLogsExport)
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("export answered %s", resp.Status)
		}
		var err error
		if got, err = io.Copy(io.Discard, resp.Body); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("an export of a 30 MB log (%d bytes zipped) allocated %d bytes", got, n)
	if n > 12<<20 {
		t.Errorf("an export of a 30 MB log allocated %d bytes; want at most 12 MiB", n)
	}
}

// Two exports at once are the most; a third is told the service is busy,
// and once one ends, exporting works again.
func TestAPIExportConcurrencyBound(t *testing.T) {
	ts := startService(t)
	// Incompressible, so the zip fills the socket and the exports block
	// on clients that do not read.
	fillLog(t, ts, 8<<20, true)
	var stalled []net.Conn
	for range 2 {
		resp, c := rawGet(t, ts, api.PathLogsExport)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("export answered %s", resp.Status)
		}
		stalled = append(stalled, c)
	}
	_, err := ts.c.Export(context.Background())
	var e *client.Error
	if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || !strings.Contains(e.Message, "already running") {
		t.Fatalf("a third export at once: %v; want 503 busy", err)
	}
	for _, c := range stalled {
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := ts.c.Export(context.Background())
		if err == nil {
			break
		}
		if !errors.As(err, &e) || e.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("export after the others ended: %v", err)
		}
	}
}
