package profile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func newTestStore(t *testing.T) (*Store, string, string) {
	t.Helper()
	root := t.TempDir()
	user := filepath.Join(root, "config", "cvpn", "profiles")
	managed := filepath.Join(root, "managed")
	if err := os.MkdirAll(managed, 0o755); err != nil {
		t.Fatal(err)
	}
	return NewStore(user, managed), user, managed
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestStoreImportListGetRemove(t *testing.T) {
	s, user, _ := newTestStore(t)
	e, err := s.Import(filepath.Join("testdata", "generic-remotes.ovpn"), "")
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "generic-remotes" || e.Managed || e.Auth != AuthCertificate || len(e.Remotes) != 4 || e.Remotes[1].String() != "vpn2.example.com:443/tcp" {
		t.Errorf("entry = %+v", e)
	}
	stored, err := os.ReadFile(e.Path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), "ca.crt") || !strings.Contains(string(stored), "<tls-auth>") {
		t.Error("stored profile is not self-contained")
	}
	if runtime.GOOS != "windows" {
		if m := mode(t, user); m != 0o700 {
			t.Errorf("dir mode %o", m)
		}
		if m := mode(t, e.Path); m != 0o600 {
			t.Errorf("file mode %o", m)
		}
	}

	if _, err := s.Import(filepath.Join("testdata", "aws-saml.ovpn"), "Corp VPN (SAML)"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(filepath.Join("testdata", "aws-mutual.ovpn"), "corp vpn (saml)"); !errors.Is(err, ErrExists) {
		t.Errorf("same name in another case: %v, want ErrExists", err)
	}
	if _, err := s.Import(filepath.Join("testdata", "aws-mutual.ovpn"), "corp vpn (saml)", Overwrite()); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "corp vpn (saml)" || list[0].Auth != AuthCertificate || list[1].Name != "generic-remotes" {
		t.Errorf("list = %+v", list)
	}

	p, got, err := s.Get("GENERIC-REMOTES")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "generic-remotes" || got.Name != "generic-remotes" || len(p.Remotes) != 4 {
		t.Errorf("get = %q %+v", p.Name, got)
	}
	if err := s.Remove("generic-remotes"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get("generic-remotes"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after remove: %v", err)
	}
	if err := s.Remove("generic-remotes"); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
}

func TestStoreRejectsInvalidProfiles(t *testing.T) {
	s, user, _ := newTestStore(t)
	bad := filepath.Join(t.TempDir(), "bad.ovpn")
	if err := os.WriteFile(bad, []byte("remote h\nup /bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Import(bad, "")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "bad.ovpn:2: up: runs a program") {
		t.Errorf("error = %v", err)
	}
	if _, err := os.Stat(user); !errors.Is(err, os.ErrNotExist) {
		t.Error("a failed import created the store")
	}
	if _, err := s.Import(filepath.Join("testdata", "aws-saml.ovpn"), "../escape"); !errors.Is(err, ErrBadName) {
		t.Errorf("bad name: %v", err)
	}
	if _, err := s.ImportBytes([]byte(readTestdata(t, "generic-remotes.ovpn")), "pasted.ovpn", ""); !errors.Is(err, ErrInvalid) ||
		!strings.Contains(err.Error(), "given without its directory") {
		t.Errorf("bytes with file references: %v", err)
	}
	e, err := s.ImportBytes([]byte(readTestdata(t, "aws-ad-mfa.ovpn")), "pasted.ovpn", "")
	if err != nil || e.Name != "pasted" || e.Auth != AuthUserPassMFA {
		t.Errorf("import bytes: %+v %v", e, err)
	}
}

func TestStoreManaged(t *testing.T) {
	s, _, managed := newTestStore(t)
	if err := os.WriteFile(filepath.Join(managed, "Corp.ovpn"), []byte(readTestdata(t, "aws-saml.ovpn")), 0o644); err != nil {
		t.Fatal(err)
	}
	// A managed profile may refer to files next to it.
	for _, f := range []string{"ca.crt", "client.crt", "client.key", "ta.key"} {
		if err := os.WriteFile(filepath.Join(managed, f), []byte(readTestdata(t, f)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(managed, "files.ovpn"), []byte(readTestdata(t, "generic-remotes.ovpn")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(managed, "broken.ovpn"), []byte("remote h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(filepath.Join("testdata", "aws-mutual.ovpn"), "corp"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("import over managed: %v", err)
	}
	if _, err := s.Import(filepath.Join("testdata", "aws-mutual.ovpn"), "corp", Overwrite()); !errors.Is(err, ErrReadOnly) {
		t.Errorf("overwrite managed: %v", err)
	}
	if err := s.Remove("corp"); !errors.Is(err, ErrReadOnly) {
		t.Errorf("remove managed: %v", err)
	}
	// A user copy with a managed name (made before the admin added it) is hidden.
	if err := os.MkdirAll(s.UserDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.UserDir(), "corp.ovpn"), []byte(readTestdata(t, "aws-mutual.ovpn")), 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name)
		switch e.Name {
		case "Corp":
			if !e.Managed || e.Auth != AuthSAML {
				t.Errorf("managed entry = %+v", e)
			}
		case "broken":
			if !strings.Contains(e.Problem, "broken.ovpn: ca: the profile has no CA certificate") {
				t.Errorf("broken entry = %+v", e)
			}
		case "files":
			if e.Problem != "" {
				t.Errorf("managed profile with file references: %s", e.Problem)
			}
		}
	}
	if strings.Join(names, ",") != "broken,Corp,files" {
		t.Errorf("names = %v", names)
	}
	if _, e, err := s.Get("corp"); err != nil || !e.Managed {
		t.Errorf("get = %+v %v", e, err)
	}
}

func TestStoreFixesModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX modes")
	}
	s, user, _ := newTestStore(t)
	if err := os.MkdirAll(user, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(user, 0o755); err != nil {
		t.Fatal(err)
	}
	loose := filepath.Join(user, "old.ovpn")
	if err := os.WriteFile(loose, []byte(readTestdata(t, "aws-saml.ovpn")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, user); m != 0o700 {
		t.Errorf("dir mode %o", m)
	}
	if m := mode(t, loose); m != 0o600 {
		t.Errorf("file mode %o", m)
	}
}

func TestDefaultStoreEnv(t *testing.T) {
	root := t.TempDir()
	t.Setenv("CVPN_CONFIG_DIR", filepath.Join(root, "cfg"))
	t.Setenv("CVPN_MANAGED_DIR", filepath.Join(root, "managed"))
	s, err := DefaultStore()
	if err != nil {
		t.Fatal(err)
	}
	if s.UserDir() != filepath.Join(root, "cfg", "profiles") || s.ManagedDir() != filepath.Join(root, "managed") {
		t.Errorf("dirs = %s %s", s.UserDir(), s.ManagedDir())
	}
	list, err := s.List()
	if err != nil || len(list) != 0 {
		t.Errorf("empty store: %v %v", list, err)
	}
}

func TestNames(t *testing.T) {
	for _, n := range []string{"corp", "Corp VPN (prod)", "eu-west-1", "a.b", "vpn+mfa@work", "Büro", strings.Repeat("x", MaxNameLen)} {
		if err := ValidName(n); err != nil {
			t.Errorf("ValidName(%q) = %v", n, err)
		}
	}
	for _, n := range []string{"", "../x", "a/b", `a\b`, "a..b", ".hidden", "-dash", "x ", "x.", "CON", "nul.txt", "tab\tname", "a:b", "a*b",
		strings.Repeat("x", MaxNameLen+1), "\xff"} {
		if err := ValidName(n); !errors.Is(err, ErrBadName) {
			t.Errorf("ValidName(%q) = %v, want ErrBadName", n, err)
		}
	}
	for in, want := range map[string]string{
		"/tmp/downloaded-client-config.ovpn": "downloaded-client-config",
		`C:\Users\me\corp.conf`:              "corp",
		"my:vpn*.ovpn":                       "my-vpn-",
		"..hidden.ovpn":                      "hidden",
		"x/" + strings.Repeat("y", 100):      strings.Repeat("y", MaxNameLen),
	} {
		if got := NameFromFile(in); got != want {
			t.Errorf("NameFromFile(%q) = %q, want %q", in, got, want)
		}
	}
}
