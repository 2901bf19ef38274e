package main

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/client"
)

func logsCommand() *command {
	return &command{
		name:    "logs",
		args:    "[-f] [-n LINES] [--connections] | export FILE.zip",
		summary: "show the service's diagnostic log (or the connection log); 'logs export FILE.zip' writes a diagnostics bundle",
		run:     (*app).logs,
	}
}

func (a *app) logs(args []string) int {
	if len(args) > 0 && args[0] == "export" {
		return a.logsExport(args[1:])
	}
	const synopsis = "logs [-f] [-n LINES] [--connections]"
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	follow := fs.Bool("f", false, "keep showing new lines until Ctrl-C")
	lines := fs.Int("n", 200, "show the last `LINES` lines first")
	conns := fs.Bool("connections", false, "show the connection log (one JSON line per attempt) instead of the diagnostic log")
	if _, code, ok := a.parseFlags(fs, args, synopsis, 0); !ok {
		return code
	}
	ctx, cancel := interruptible()
	defer cancel()
	if !*follow {
		var c context.CancelFunc
		ctx, c = context.WithTimeout(ctx, defaultWait)
		defer c()
	}
	err := a.client().Logs(ctx, a.stdout, client.LogsOptions{Connections: *conns, Lines: *lines, Follow: *follow})
	if err != nil {
		return a.fail("logs", err)
	}
	return exitOK
}

func (a *app) logsExport(args []string) int {
	const synopsis = "logs export FILE.zip"
	fs := flag.NewFlagSet("logs export", flag.ContinueOnError)
	pos, code, ok := a.parseFlags(fs, args, synopsis, 1)
	if !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bundle, err := a.client().Export(ctx)
	if err != nil {
		return a.fail("logs export", err)
	}
	out, n, err := a.completeBundle(bundle)
	if err != nil {
		return a.fail("logs export", err)
	}
	if err := writePrivate(pos[0], out); err != nil {
		return a.fail("logs export", err)
	}
	fmt.Fprintf(a.stdout, "wrote %s (%d files, %s): logs, %d profiles with their keys removed, system facts\n",
		pos[0], n, byteCount(uint64(len(out))), a.profileCount)
	return exitOK
}

// completeBundle adds what only the user's side has to the service's
// bundle: the stored profiles with their keys removed, and facts about the
// client. It returns the new zip and how many files it holds.
func (a *app) completeBundle(bundle []byte) ([]byte, int, error) {
	zr, err := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		return nil, 0, fmt.Errorf("read the service's bundle: %w", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	n := 0
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			return nil, 0, fmt.Errorf("copy %s: %w", f.Name, err)
		}
		n++
	}
	add := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		n++
		return err
	}
	if s, err := a.store(); err == nil {
		entries, _ := s.List()
		for _, e := range entries {
			p, _, err := s.Get(e.Name)
			if err != nil {
				continue
			}
			if err := add("profiles/"+e.Name+".ovpn", profile.ExportText(p.Inlined())); err != nil {
				return nil, 0, err
			}
			a.profileCount++
		}
	}
	if err := add("client/facts.txt", []byte(strings.Join(clientFacts(), "\n")+"\n")); err != nil {
		return nil, 0, err
	}
	if err := zw.Close(); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), n, nil
}

func clientFacts() []string {
	facts := []string{"cvpn version: " + version, "os: " + runtime.GOOS + "/" + runtime.GOARCH, "go: " + runtime.Version()}
	if data, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
				facts = append(facts, "distribution: "+strings.Trim(v, `"`))
			}
		}
	}
	if data, err := os.ReadFile("/proc/version"); err == nil {
		facts = append(facts, "kernel: "+strings.TrimSpace(string(data)))
	}
	return facts
}

// writePrivate writes data to path readable by the user alone: a bundle
// holds logs that name servers and addresses.
func writePrivate(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".cvpn-export-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
