package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer the portal's goroutine and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestPortalFlags(t *testing.T) {
	dist := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no TLS choice", []string{"--dist", dist}, exitUsage, "give --cert FILE and --key FILE"},
		{"both TLS and plain", []string{"--dist", dist, "--cert", "c", "--key", "k", "--insecure-http"}, exitUsage, "not both"},
		{"cert without key", []string{"--dist", dist, "--cert", "c"}, exitUsage, "go together"},
		{"no dist", []string{"--insecure-http"}, exitError, "--dist DIR"},
		{"missing dist", []string{"--insecure-http", "--dist", filepath.Join(dist, "nope")}, exitError, "read the installer directory"},
		{"half SAML", []string{"--insecure-http", "--dist", dist, "--public-url", "http://x/"}, exitError, "--saml-idp-metadata, --saml-cert, --saml-key and --public-url together"},
		{"bad flag", []string{"--frob"}, exitUsage, "Usage: cvpn portal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			a := &app{stdout: &out, stderr: &errb}
			if code := a.run(append([]string{"portal"}, tt.args...)); code != tt.code || !strings.Contains(errb.String(), tt.stderr) {
				t.Fatalf("code %d, stderr %q; want %d and %q", code, errb.String(), tt.code, tt.stderr)
			}
		})
	}
}

// TestPortalServes runs the command on 127.0.0.1 and fetches the page and
// an installer from it.
func TestPortalServes(t *testing.T) {
	dist := t.TempDir()
	if err := os.WriteFile(filepath.Join(dist, "cvpn_1.0.0_amd64.deb"), []byte("deb bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	old := portalContext
	portalContext = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	defer func() { portalContext = old }()

	var out, errb lockedBuffer
	a := &app{stdout: &out, stderr: &errb}
	done := make(chan int, 1)
	go func() {
		done <- a.run([]string{"portal", "--insecure-http", "--listen", "127.0.0.1:0", "--dist", dist})
	}()

	re := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+)/`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("portal exited %d: %s", code, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("portal did not start: %s", errb.String())
		}
	}
	if !strings.Contains(errb.String(), "WARNING: serving plain HTTP") {
		t.Errorf("no loud warning about plain HTTP: %q", errb.String())
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(base + "/download/cvpn_1.0.0_amd64.deb")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "deb bytes" {
		t.Fatalf("download = %d %q", resp.StatusCode, body)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("portal exited %d after cancel: %s", code, errb.String())
	}
}
