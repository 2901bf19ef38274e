package usersession

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvpn/cvpn/profile"
)

func TestCompleteBundle(t *testing.T) {
	var svc bytes.Buffer
	zw := zip.NewWriter(&svc)
	w, _ := zw.Create("logs/cvpn.log")
	_, _ = w.Write([]byte("service log\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	store := storeWithAWSProfile(t)
	out, info, err := CompleteBundle(svc.Bytes(), store, "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	if info.Files != 3 || info.Profiles != 1 || info.Bytes != len(out) {
		t.Errorf("info %+v, want 3 files, 1 profile, %d bytes", info, len(out))
	}
	zr, err := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	if files["logs/cvpn.log"] != "service log\n" {
		t.Errorf("the service's half was not kept: %q", files["logs/cvpn.log"])
	}
	if !strings.Contains(files["client/facts.txt"], "cvpn version: 1.2.3") {
		t.Errorf("facts: %q", files["client/facts.txt"])
	}
	p := files["profiles/aws.ovpn"]
	if p == "" || strings.Contains(p, "PRIVATE KEY") {
		t.Errorf("the profile is missing or still holds its key:\n%s", p)
	}
	if _, _, err := CompleteBundle([]byte("not a zip"), nil, "x"); err == nil {
		t.Error("a broken service bundle was accepted")
	}
}

func TestWritePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.zip")
	if err := WritePrivate(path, []byte("zip")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v (%v), want 0600", st.Mode(), err)
	}
	if err := WritePrivate(filepath.Join(path, "x", "y.zip"), nil); err == nil {
		t.Error("writing under a missing directory succeeded")
	}
}

// storeWithAWSProfile is a store in a temp dir holding one user profile,
// "aws" (the certificate sample, whose key the bundle must leave out).
func storeWithAWSProfile(t *testing.T) *profile.Store {
	t.Helper()
	dir := t.TempDir()
	store := profile.NewStore(filepath.Join(dir, "user"), filepath.Join(dir, "managed"))
	data, err := os.ReadFile("../profile/testdata/aws-mutual.ovpn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.ImportBytes(data, "aws.ovpn", "aws"); err != nil {
		t.Fatal(err)
	}
	return store
}
