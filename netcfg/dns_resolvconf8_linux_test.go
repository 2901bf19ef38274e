package netcfg

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeResolvconf writes a shell script that behaves like openresolv or
// Debian's resolvconf as far as cvpn can tell: it answers --version (or
// fails it), keeps each record's stdin in records/NAME, deletes it on -d,
// and logs every call. fail makes -a fail.
func fakeResolvconf(t *testing.T, flavour string, fail bool) (dir, prog string) {
	t.Helper()
	dir = t.TempDir()
	version := `echo "usage: resolvconf -a|-d IFACE" >&2; exit 99`
	if flavour == "openresolv" {
		version = `echo "openresolv 3.12.0"; exit 0`
	}
	add := `cat > "$D/records/$2"`
	if fail {
		add = `echo "resolvconf: hook failed" >&2; exit 1`
	}
	script := `#!/bin/sh
D=` + dir + `
echo "$*" >> "$D/calls"
case "$1" in
--version) ` + version + ` ;;
-a) ` + add + ` ;;
-d) rm -f "$D/records/$2" ;;
esac
`
	prog = filepath.Join(dir, "resolvconf")
	if err := os.MkdirAll(filepath.Join(dir, "records"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prog, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return dir, prog
}

func readOr(path, def string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return def
	}
	return string(b)
}

func TestResolvconf8(t *testing.T) {
	split := &DNS{Servers: []netip.AddrPort{netip.MustParseAddrPort("198.19.1.1:0")}, SearchDomains: []string{"lab.example"},
		RouteDomains: []string{"lab.example"}}
	full := &DNS{Servers: split.Servers, Default: true}
	const lines = "# Written by cvpn for tun9; the previous file comes back on disconnect.\nnameserver 198.19.1.1\n"
	tests := []struct {
		name     string
		flavour  string
		linked   bool // resolv.conf links into the generated file's dir
		fail     bool
		dns      *DNS
		calls    string // after apply and revert
		record   string // the record while applied; "" if none
		fileHeld string // resolv.conf while applied
	}{
		{name: "openresolv split", flavour: "openresolv", dns: split,
			calls:  "--version\n-a tun9.cvpn -m 0\n--version\n-d tun9.cvpn -f\n",
			record: lines + "search lab.example\n", fileHeld: "nameserver 192.0.2.53\n"},
		{name: "openresolv full tunnel is exclusive", flavour: "openresolv", dns: full,
			calls:  "--version\n-a tun9.cvpn -m 0 -x\n--version\n-d tun9.cvpn -f\n",
			record: lines, fileHeld: "nameserver 192.0.2.53\n"},
		{name: "debian resolvconf managing resolv.conf", flavour: "debian", linked: true, dns: split,
			calls:  "--version\n-a tun9.cvpn\n--version\n-d tun9.cvpn\n",
			record: lines + "search lab.example\n", fileHeld: "nameserver 192.0.2.53\n"},
		{name: "debian resolvconf not managing it: the file is written", flavour: "debian", dns: split,
			calls:    "--version\n",
			fileHeld: lines + "search lab.example\n"},
		{name: "resolvconf failing: the file is written", flavour: "openresolv", fail: true, dns: split,
			calls:    "--version\n-a tun9.cvpn -m 0\n-d tun9.cvpn -f\n",
			fileHeld: lines + "search lab.example\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, prog := fakeResolvconf(t, tt.flavour, tt.fail)
			etc := t.TempDir()
			gen := filepath.Join(dir, "run")
			if err := os.MkdirAll(gen, 0o700); err != nil {
				t.Fatal(err)
			}
			const orig = "nameserver 192.0.2.53\n"
			path := filepath.Join(etc, "resolv.conf")
			if tt.linked {
				write(t, filepath.Join(gen, "resolv.conf"), orig)
				if err := os.Symlink(filepath.Join(gen, "resolv.conf"), path); err != nil {
					t.Fatal(err)
				}
				old := debianResolvconfDirs
				debianResolvconfDirs = []string{gen + "/"}
				t.Cleanup(func() { debianResolvconfDirs = old })
			} else {
				write(t, path, orig)
			}
			rc := resolvConf{path: path, resolvconf: func(p string) (*resolvconfProg, string) {
				return classifyResolvconf(&resolvconfProg{path: prog, run: runProgram(prog)}, p)
			}}
			done, saved := checkpointed(t, rc, tt.dns)
			if got := readOr(filepath.Join(dir, "records", "tun9.cvpn"), ""); got != tt.record {
				t.Errorf("record while connected:\n%q\nwant\n%q", got, tt.record)
			}
			if got := readOr(path, ""); !strings.HasSuffix(got, tt.fileHeld) {
				t.Errorf("resolv.conf while connected:\n%q\nwant it to end in\n%q", got, tt.fileHeld)
			}
			if tt.record != "" && (done.DNS.Mode != modeResolvconf8 || done.DNS.Link != "tun9.cvpn") {
				t.Errorf("record %+v, want mode resolvconf for tun9.cvpn", done.DNS)
			}
			// Revert from the saved record, as a later process would.
			if err := revertDNS(readBack(t, saved), t.Logf); err != nil {
				t.Fatal(err)
			}
			if got := readOr(filepath.Join(dir, "calls"), ""); got != tt.calls {
				t.Errorf("calls:\n%s\nwant\n%s", got, tt.calls)
			}
			if _, err := os.Stat(filepath.Join(dir, "records", "tun9.cvpn")); err == nil {
				t.Error("the record is still there after revert")
			}
			if got := readOr(path, ""); got != orig {
				t.Errorf("resolv.conf after revert %q, want %q", got, orig)
			}
		})
	}
}

func TestResolvconfRecordName(t *testing.T) {
	for iface, want := range map[string]string{"tun0": "tun0.cvpn", "tun12": "tun12.cvpn", "cvpn-work": "tun.cvpn-work.cvpn"} {
		if got := resolvconfRecord(iface); got != want {
			t.Errorf("resolvconfRecord(%q) = %q, want %q", iface, got, want)
		}
	}
}
