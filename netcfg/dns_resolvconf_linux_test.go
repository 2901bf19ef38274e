package netcfg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cvpn/cvpn/internal/testenv"
)

const origResolvConf = "# managed by someone\nnameserver 192.0.2.53\nsearch corp.example\noptions ndots:2 edns0\n\n# trailing comment without newline"

var testDNS = &DNS{
	Servers:       []netip.AddrPort{netip.MustParseAddrPort("198.19.1.1:0"), netip.MustParseAddrPort("[fd00::1]:0"), netip.MustParseAddrPort("198.19.1.2:5353")},
	SearchDomains: []string{"lab.example", "corp.example"},
}

const wantResolvConf = "# Written by cvpn for tun9; the previous file comes back on disconnect.\n" +
	"nameserver 198.19.1.1\nnameserver fd00::1\nsearch lab.example corp.example\noptions ndots:2 edns0\n"

// checkpointed applies testDNS to rc and returns the JSON record the
// checkpoint saw, as the tunnel manager would have saved it.
func checkpointed(t *testing.T, rc resolvConf, d *DNS) (*Applied, []byte) {
	t.Helper()
	var saved []byte
	cfg := Config{Interface: "tun9", DNS: d, Checkpoint: func(a *Applied) error {
		// The record must already hold the original when it is saved.
		var err error
		saved, err = json.Marshal(a)
		return err
	}}
	done := &Applied{Interface: "tun9"}
	if err := applyDNS(rc, cfg, done, t.Logf); err != nil {
		t.Fatal(err)
	}
	if saved == nil {
		t.Fatal("no checkpoint before the write")
	}
	return done, saved
}

func readBack(t *testing.T, data []byte) *Applied {
	t.Helper()
	var a Applied
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

func TestResolvConfApplyRevert(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, path string) // creates path's original state
		// other, if set, runs while connected (another program's edit).
		other func(t *testing.T, path string)
		// crash: revert from the checkpoint's JSON instead of the record
		// Apply returned.
		crash bool
		// want after Revert: a file with these bytes, a symlink to this
		// target (prefix "->"), or "" for no file.
		want string
	}{
		{
			name:  "regular file",
			setup: func(t *testing.T, _, path string) { write(t, path, origResolvConf) },
			want:  origResolvConf,
		},
		{
			name:  "regular file, crash, recover from the checkpoint",
			setup: func(t *testing.T, _, path string) { write(t, path, origResolvConf) },
			crash: true,
			want:  origResolvConf,
		},
		{
			name:  "missing file",
			setup: func(t *testing.T, _, path string) {},
			want:  "",
		},
		{
			name: "symlink is put back, target untouched",
			setup: func(t *testing.T, dir, path string) {
				write(t, filepath.Join(dir, "managed.conf"), origResolvConf)
				if err := os.Symlink("managed.conf", path); err != nil {
					t.Fatal(err)
				}
			},
			want: "->managed.conf",
		},
		{
			name: "symlink, crash, recover",
			setup: func(t *testing.T, dir, path string) {
				write(t, filepath.Join(dir, "managed.conf"), origResolvConf)
				if err := os.Symlink("managed.conf", path); err != nil {
					t.Fatal(err)
				}
			},
			crash: true,
			want:  "->managed.conf",
		},
		{
			name:  "changed by another program is left alone",
			setup: func(t *testing.T, _, path string) { write(t, path, origResolvConf) },
			other: func(t *testing.T, path string) { write(t, path, "nameserver 203.0.113.9\n") },
			want:  "nameserver 203.0.113.9\n",
		},
		{
			name: "symlink taken over by another program is left alone",
			setup: func(t *testing.T, dir, path string) {
				write(t, filepath.Join(dir, "managed.conf"), origResolvConf)
				if err := os.Symlink("managed.conf", path); err != nil {
					t.Fatal(err)
				}
			},
			other: func(t *testing.T, path string) {
				if err := replaceWithSymlink(path, "other.conf"); err != nil {
					t.Fatal(err)
				}
			},
			want: "->other.conf",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "resolv.conf")
			tc.setup(t, dir, path)
			rc := resolvConf{path: path}
			done, saved := checkpointed(t, rc, testDNS)
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := wantResolvConf
			if tc.want == "" {
				want = strings.Replace(want, "search lab.example corp.example\noptions ndots:2 edns0\n", "search lab.example corp.example\n", 1)
			}
			if string(got) != want {
				t.Fatalf("while connected:\n%s\nwant:\n%s", got, want)
			}
			if fi, _ := os.Lstat(path); !fi.Mode().IsRegular() {
				t.Fatalf("while connected %s is %v, want a regular file", path, fi.Mode())
			}
			if tc.other != nil {
				tc.other(t, path)
			}
			if tc.crash {
				done = readBack(t, saved)
			}
			if err := revertDNS(done, t.Logf); err != nil {
				t.Fatal(err)
			}
			checkResolvConf(t, dir, path, tc.want)
			// Revert twice (a Recover after a clean stop whose record
			// survived) changes nothing.
			if err := revertDNS(done, t.Logf); err != nil {
				t.Fatal(err)
			}
			checkResolvConf(t, dir, path, tc.want)
			if strings.HasPrefix(tc.want, "->") {
				if b, _ := os.ReadFile(filepath.Join(dir, "managed.conf")); string(b) != origResolvConf {
					t.Errorf("the symlink's target was changed:\n%s", b)
				}
			}
			if ents, _ := os.ReadDir(dir); len(ents) > 2 {
				t.Errorf("temp files left behind: %v", ents)
			}
		})
	}
}

// TestResolvConfCrashBeforeWrite: the checkpoint was saved, then the
// process died before it wrote: Recover finds the original in place and
// leaves it.
func TestResolvConfCrashBeforeWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "resolv.conf")
	write(t, path, origResolvConf)
	var saved []byte
	cfg := Config{Interface: "tun9", DNS: testDNS, Checkpoint: func(a *Applied) error {
		saved, _ = json.Marshal(a)
		return fmt.Errorf("killed")
	}}
	if err := applyDNS(resolvConf{path: path}, cfg, &Applied{}, t.Logf); err == nil {
		t.Fatal("apply went on after a failed checkpoint")
	}
	checkResolvConf(t, dir, path, origResolvConf)
	if err := revertDNS(readBack(t, saved), t.Logf); err != nil {
		t.Fatal(err)
	}
	checkResolvConf(t, dir, path, origResolvConf)
}

func TestRenderResolvConfKeepsServersWithoutUsableOnes(t *testing.T) {
	got := renderResolvConf("tun0", &DNS{Servers: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:5353")}, SearchDomains: []string{"a.example"}},
		[]byte(origResolvConf), nil)
	want := "# Written by cvpn for tun0; the previous file comes back on disconnect.\nnameserver 192.0.2.53\nsearch a.example corp.example\noptions ndots:2 edns0\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkResolvConf(t *testing.T, dir, path, want string) {
	t.Helper()
	fi, err := os.Lstat(path)
	switch {
	case want == "":
		if err == nil {
			t.Fatalf("%s exists after revert, want none", path)
		}
	case err != nil:
		t.Fatal(err)
	case strings.HasPrefix(want, "->"):
		target, err := os.Readlink(path)
		if err != nil || target != want[2:] {
			t.Fatalf("after revert: link to %q (%v), want %q", target, err, want[2:])
		}
	default:
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, []byte(want)) {
			t.Fatalf("after revert:\n%q\nwant byte for byte:\n%q", got, want)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("mode %v, want 0644", fi.Mode())
		}
	}
}

// inPrivateMountNS re-runs the calling test in a child process with a
// mount namespace of its own whose mounts do not propagate back.
func inPrivateMountNS(t *testing.T) bool {
	t.Helper()
	if os.Getenv("CVPN_TEST_MNTNS") == "1" {
		// Nothing mounted here may reach the parent's namespace.
		if err := unix.Mount("", "/", "", unix.MS_PRIVATE|unix.MS_REC, ""); err != nil {
			t.Fatalf("make mounts private: %v", err)
		}
		return true
	}
	testenv.RequireRoot(t)
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), "CVPN_TEST_MNTNS=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("in private mount namespace: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
	return false
}

// TestResolvConfBindMount: a resolv.conf that is a bind mount (as in a
// container) cannot be renamed over; it is rewritten in place and
// restored in place, byte for byte.
func TestResolvConfBindMount(t *testing.T) {
	if !inPrivateMountNS(t) {
		return
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "host-resolv.conf")
	path := filepath.Join(dir, "resolv.conf")
	write(t, src, origResolvConf)
	write(t, path, "")
	if err := unix.Mount(src, path, "", unix.MS_BIND, ""); err != nil {
		t.Fatalf("bind mount: %v", err)
	}
	defer func() { _ = unix.Unmount(path, 0) }()
	if err := os.Rename(src, path); err == nil || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("rename over the bind mount: %v, want EBUSY (the case under test)", err)
	}
	rc := resolvConf{path: path}
	done, saved := checkpointed(t, rc, testDNS)
	if !done.DNS.InPlace {
		t.Error("not recorded as written in place")
	}
	if got, _ := os.ReadFile(src); string(got) != wantResolvConf {
		t.Fatalf("the mounted file does not hold the tunnel's DNS:\n%s", got)
	}
	if err := revertDNS(readBack(t, saved), t.Logf); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(src); string(got) != origResolvConf {
		t.Fatalf("after revert:\n%q\nwant:\n%q", got, origResolvConf)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("temp files left behind: %v", ents)
	}
}
