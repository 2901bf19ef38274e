package usersession

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cvpn/cvpn/policy"
	"github.com/cvpn/cvpn/profile"
)

// loadPolicy reads the administrator's policy; tests replace it. A broken
// policy forbids nothing (policy.Load), so profiles are then included.
var loadPolicy = policy.Load

// The diagnostics bundle has two halves. The service writes the logs and
// the system's network facts (it can read them; the user may not); the
// user's side adds what only it has — the user's stored profiles, with
// every key and secret removed, and facts about the client — and writes
// the file where the user asked, readable by the user alone.

// BundleInfo says what a completed bundle holds.
type BundleInfo struct {
	Files, Profiles, Bytes int
}

// CompleteBundle adds the user's half to the service's bundle (a zip):
// the profiles in store (nil: none) as profile.ExportText writes them, and
// client/facts.txt. version is cvpn's, for the facts. When the
// administrator's policy sets diagnostics_include_profiles to false the
// profiles are left out, and the facts say so, so support knows why.
func CompleteBundle(service []byte, store *profile.Store, version string) ([]byte, BundleInfo, error) {
	var info BundleInfo
	facts := ClientFacts(version)
	if pol, _ := loadPolicy(); store != nil && !pol.ProfilesInDiagnostics() {
		store = nil
		facts = append(facts, fmt.Sprintf("profiles: left out by the administrator's policy (%s is false in %s)",
			policy.KeyDiagnosticsIncludeProfiles, pol.SourceOf(policy.KeyDiagnosticsIncludeProfiles)))
	}
	zr, err := zip.NewReader(bytes.NewReader(service), int64(len(service)))
	if err != nil {
		return nil, info, fmt.Errorf("read the service's bundle: %w", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			return nil, info, fmt.Errorf("copy %s: %w", f.Name, err)
		}
		info.Files++
	}
	add := func(name string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		info.Files++
		return err
	}
	if store != nil {
		entries, _ := store.List()
		for _, e := range entries {
			p, _, err := store.Get(e.Name)
			if err != nil {
				continue
			}
			if err := add("profiles/"+e.Name+".ovpn", profile.ExportText(p.Inlined())); err != nil {
				return nil, info, err
			}
			info.Profiles++
		}
	}
	if err := add("client/facts.txt", []byte(strings.Join(facts, "\n")+"\n")); err != nil {
		return nil, info, err
	}
	if err := zw.Close(); err != nil {
		return nil, info, err
	}
	info.Bytes = buf.Len()
	return buf.Bytes(), info, nil
}

// ClientFacts describes the user's side for a support engineer.
func ClientFacts(version string) []string {
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

// WritePrivate writes data to path readable by the user alone (0600): a
// bundle holds logs that name servers and addresses. The file appears
// whole or not at all.
func WritePrivate(path string, data []byte) error {
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
