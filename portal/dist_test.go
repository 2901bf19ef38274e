package portal

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPatterns(t *testing.T) {
	tests := []struct {
		name string
		want string // the matching glob, "" for none
	}{
		{"cvpn_1.2.0_amd64.deb", "cvpn_*_amd64.deb"},
		{"cvpn_1.2.0_arm64.deb", "cvpn_*_arm64.deb"},
		{"cvpn-1.2.0-1.x86_64.rpm", "cvpn-[0-9]*.x86_64.rpm"},
		{"cvpn-1.2.0-1.aarch64.rpm", "cvpn-[0-9]*.aarch64.rpm"},
		{"cvpn-1.2.0-x64.msi", "cvpn-[0-9]*-x64.msi"},
		{"cvpn-1.2.0-arm64.pkg", "cvpn-[0-9]*-arm64.pkg"},
		{"cvpn-1.2.0-x86_64.pkg", "cvpn-[0-9]*-x86_64.pkg"},
		{"cvpn-1.2.0.pkg", "cvpn-[0-9]*.pkg"},
		{"cvpn.pkg", "cvpn.pkg"},
		// The versions scripts/package.sh makes from git describe.
		{"cvpn_0.0.0~git42.abc1234_amd64.deb", "cvpn_*_amd64.deb"},
		{"cvpn-0.0.0~git42.abc1234-1.aarch64.rpm", "cvpn-[0-9]*.aarch64.rpm"},
		{"cvpn-0.0.0~git42.abc1234-x64.msi", "cvpn-[0-9]*-x64.msi"},
		// Not installers the portal offers.
		{"cvpn-config_1.2.0_all.deb", ""},
		{"cvpn-config-1.2.0-1.noarch.rpm", ""},
		{"cvpn-config-1.2.0-1.x86_64.rpm", ""},
		{"cvpn_1.2.0_amd64.changes", ""},
		{"checksums.txt", ""},
		{"NOTES.txt", ""},
		{"cvpn-config.pkg", ""},
		{"cvpn", ""},
	}
	for _, tt := range tests {
		p, ok := match(tt.name)
		if got := p.Glob; got != tt.want || ok != (tt.want != "") {
			t.Errorf("match(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestScan(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	write := func(name string, mtime time.Time) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	write("cvpn_1.1.0_amd64.deb", old)
	write("cvpn_1.2.0_amd64.deb", time.Now())
	write("cvpn-1.2.0-x64.msi", time.Now())
	write("notes.txt", time.Now())
	if err := os.Mkdir(filepath.Join(dir, "cvpn_9_amd64.deb"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "cvpn_8_arm64.deb")); err != nil {
		t.Fatal(err)
	}
	got, err := Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range got {
		names = append(names, d.Name)
	}
	want := []string{"cvpn_1.2.0_amd64.deb", "cvpn_1.1.0_amd64.deb", "cvpn-1.2.0-x64.msi"}
	if !equal(names, want) {
		t.Fatalf("Scan = %q, want %q (newest first, no directory, symlink or other file)", names, want)
	}
	if _, err := Scan(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("Scan of a missing directory succeeded")
	}
}
