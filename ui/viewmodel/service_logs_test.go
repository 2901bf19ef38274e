package viewmodel

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/service/ipc"
)

// logsService is a service on a real socket that serves the two logs
// (the follow stream stays open until the client goes) and a one-file
// diagnostics zip.
func logsService(t *testing.T) *client.Client {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.PathLogs, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		file := "diagnostic"
		if q.Get("file") == "connections" {
			file = "connections"
		}
		io.WriteString(w, file+" lines="+q.Get("lines")+"\n")
		w.(http.Flusher).Flush()
		if q.Get("follow") == "1" {
			<-r.Context().Done()
		}
	})
	mux.HandleFunc("GET "+api.PathLogsExport, func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		f, _ := zw.Create("logs/cvpn.log")
		io.WriteString(f, "service log\n")
		zw.Close()
		w.Write(buf.Bytes())
	})
	sock := filepath.Join(t.TempDir(), "cvpn.sock")
	l, err := ipc.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: mux}
	go func() { _ = hs.Serve(l) }()
	t.Cleanup(func() { _ = hs.Close() })
	return client.New(sock)
}

// Logs asks for the chosen file and tail, and a followed stream ends,
// with its goroutine, on Close.
func TestServiceLogs(t *testing.T) {
	s := &Service{Client: logsService(t)}
	rc, err := s.Logs(context.Background(), LogConnections, 50, false)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(data) != "connections lines=50\n" {
		t.Errorf("read %q, %v", data, err)
	}

	rc, err = s.Logs(context.Background(), LogDiagnostic, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	line := make([]byte, len("diagnostic lines=\n"))
	if _, err := io.ReadFull(rc, line); err != nil || string(line) != "diagnostic lines=\n" {
		t.Errorf("read %q, %v", line, err)
	}
	if err := rc.Close(); err != nil {
		t.Error(err)
	}
}

// With no service, the stream fails with client.ErrNotRunning, which
// Explain turns into the how-to-start advice.
func TestServiceLogsNotRunning(t *testing.T) {
	s := &Service{Client: client.New(filepath.Join(t.TempDir(), "none.sock"))}
	rc, err := s.Logs(context.Background(), LogConnections, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	_, err = io.ReadAll(rc)
	if e := Explain(err); e == nil || !e.ServiceDown {
		t.Errorf("error %v explained as %+v", err, e)
	}
}

// ExportDiagnostics writes the service's half and the user's, for the
// user alone.
func TestServiceExportDiagnostics(t *testing.T) {
	s := &Service{Client: logsService(t), Store: newStore(t), Version: "1.2.3"}
	path := filepath.Join(t.TempDir(), "diag.zip")
	if err := s.ExportDiagnostics(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	for _, want := range []string{"logs/cvpn.log", "client/facts.txt", "profiles/corp.ovpn"} {
		if !names[want] {
			t.Errorf("the bundle has no %s: %v", want, names)
		}
	}
}
