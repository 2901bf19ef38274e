package logs

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is the injected clock; tests move it by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// dirTotal sums every regular file in dir, ours or lumberjack's in-flight.
func dirTotal(t *testing.T, dir string) (total int64, names []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue // vanished under the compressor
		}
		total += info.Size()
		names = append(names, e.Name())
	}
	return total, names
}

// waitCompressed waits for lumberjack's background gzip to finish, so the
// final assertions see a settled directory.
func waitCompressed(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, names := dirTotal(t, dir)
		pending := false
		for _, n := range names {
			if _, live, _ := parseName(n); !live && !strings.HasSuffix(n, ".gz") {
				pending = true
			}
		}
		if !pending {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("compression did not settle")
}

func TestCaps(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "logs")
	clock := &fakeClock{t: time.Now()}
	d, err := Open(dir, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	log := d.Logger(true)
	conns := d.Connections()

	// Random hex words: gzip only halves them, so backups stay big and the
	// size cap (not just the age cap) has to act; spaces keep the
	// base64-blob rule from redacting the text away.
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	for sb.Len() < 512<<10 {
		fmt.Fprintf(&sb, "%016x ", rng.Uint64())
	}
	para := sb.String()
	var written, maxTotal int64
	const target = 3 * MaxTotal
	for i := 0; written < target; i++ {
		if i%4 == 0 {
			if err := conns.Write(ConnectionRecord{Profile: "work", Result: ResultFailed, Error: para[:len(para)/2]}); err != nil {
				t.Fatal(err)
			}
			written += int64(len(para) / 2)
		} else {
			log.Debugf("%d %s", i, para)
			written += int64(len(para))
		}
		clock.Add(time.Minute)
		if total, _ := dirTotal(t, dir); total > maxTotal {
			maxTotal = total
		}
		if maxTotal > MaxTotal {
			t.Fatalf("after %d bytes the directory holds %d bytes, over the %d cap", written, maxTotal, MaxTotal)
		}
	}
	waitCompressed(t, dir)
	total, names := dirTotal(t, dir)
	t.Logf("wrote %d bytes; max total observed %d; settled %d in %d files", written, maxTotal, total, len(names))
	gz := 0
	for _, n := range names {
		if strings.HasSuffix(n, ".gz") {
			gz++
		}
	}
	if gz == 0 {
		t.Errorf("no compressed backups in %v", names)
	}
	if total > MaxTotal {
		t.Errorf("settled total %d > %d", total, MaxTotal)
	}
	if maxTotal < retainBudget-4<<20 {
		t.Errorf("max total %d never reached the %d budget: the size cap was not exercised", maxTotal, retainBudget)
	}

	// A month later nothing from this run may remain.
	clock.Add(MaxAge + time.Hour)
	if err := d.Enforce(); err != nil {
		t.Fatal(err)
	}
	waitCompressed(t, dir)
	if err := d.Enforce(); err != nil {
		t.Fatal(err)
	}
	if _, names := dirTotal(t, dir); len(names) != 0 {
		t.Errorf("files older than %v remain: %v", MaxAge, names)
	}
	// The logs still work afterwards.
	log.Logf("fresh start")
	if _, names := dirTotal(t, dir); !reflect.DeepEqual(names, []string{diagBase + diagExt}) {
		t.Errorf("after fresh write: %v", names)
	}
}

func TestAgeByName(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	old := "connection-" + now.Add(-31*24*time.Hour).Format(backupTimeFormat) + ".jsonl.gz"
	recent := "diagnostic-" + now.Add(-29*24*time.Hour).Format(backupTimeFormat) + ".log.gz"
	unparsable := "diagnostic-garbage.log"
	foreign := "notes.txt"
	for _, n := range []string{old, recent, unparsable, foreign} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Unparsable names fall back to mtime.
	past := now.Add(-40 * 24 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, unparsable), past, past); err != nil {
		t.Fatal(err)
	}
	d, err := Open(dir, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, names := dirTotal(t, dir)
	sort.Strings(names)
	want := []string{recent, foreign}
	sort.Strings(want)
	if !reflect.DeepEqual(names, want) {
		t.Errorf("kept %v, want %v", names, want)
	}
}

func TestConnectionRecordRoundTrip(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	d, err := Open(dir, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Redactor().RegisterSecret("hunter2-typed")
	in := ConnectionRecord{
		Profile:      "work",
		Endpoint:     "vpn.example.com:443",
		Transport:    "udp",
		AuthMode:     "userpass",
		Result:       ResultFailed,
		Error:        "auth failed for password hunter2-typed: password=hunter2-typed",
		AssignedAddr: "10.8.0.6",
		Duration:     1500 * time.Millisecond,
		BytesIn:      1234,
		BytesOut:     5678,
	}
	if err := d.Connections().Write(in); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "connection.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "hunter2") {
		t.Fatalf("secret written: %s", raw)
	}
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	if !sc.Scan() {
		t.Fatal("no line")
	}
	var got ConnectionRecord
	if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := in
	want.Time = now
	want.Error = "auth failed for password [redacted]: password=[redacted]"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, want)
	}
	var fields map[string]any
	if err := json.Unmarshal(sc.Bytes(), &fields); err != nil {
		t.Fatal(err)
	}
	for k := range fields {
		if strings.Contains(k, "pass") || strings.Contains(k, "token") || strings.Contains(k, "secret") {
			t.Errorf("record has secret-shaped field %q", k)
		}
	}
}

func TestLoggerLines(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	d, err := Open(dir, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	quiet, loud := d.Logger(false), d.Logger(true)
	verbosef, errorf := quiet.Funcs()
	quiet.Debugf("hidden")
	verbosef("hidden too")
	loud.Debugf("shown")
	quiet.Logf("line one\nline two")
	errorf("push: auth-token %s", "SESS_ID_AT_xyz")
	raw, err := os.ReadFile(filepath.Join(dir, "diagnostic.log"))
	if err != nil {
		t.Fatal(err)
	}
	want := "2026-03-04T05:06:07Z DEBUG shown\n" +
		"2026-03-04T05:06:07Z INFO line one\n\tline two\n" +
		"2026-03-04T05:06:07Z ERROR push: auth-token [redacted]\n"
	if string(raw) != want {
		t.Errorf("got\n%s\nwant\n%s", raw, want)
	}
}
