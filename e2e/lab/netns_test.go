//go:build linux

package lab

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
)

func TestAddressingFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n                                 int
		srvNS, srvLink, cliLink6, srvTun6 string
		linkPrefix, tunPrefix, tunPrefix6 string
		wantErr                           bool
	}{
		{n: 1, srvNS: "cvpn-lab-1-srv", srvLink: "198.18.1.1", cliLink6: "fd63:7670:6e00:1::2", srvTun6: "fd63:7670:6e00:101::1",
			linkPrefix: "198.18.1.0/24", tunPrefix: "198.19.1.0/24", tunPrefix6: "fd63:7670:6e00:101::/64"},
		{n: 250, srvNS: "cvpn-lab-250-srv", srvLink: "198.18.250.1", cliLink6: "fd63:7670:6e00:fa::2", srvTun6: "fd63:7670:6e00:1fa::1",
			linkPrefix: "198.18.250.0/24", tunPrefix: "198.19.250.0/24", tunPrefix6: "fd63:7670:6e00:1fa::/64"},
		{n: 0, wantErr: true},
		{n: 251, wantErr: true},
	}
	for _, tt := range tests {
		a, err := AddressingFor(tt.n)
		if tt.wantErr {
			if err == nil {
				t.Errorf("AddressingFor(%d): want error", tt.n)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got := []string{a.ServerNS, a.ServerLinkIP.String(), a.ClientLinkIP6.String(), a.ServerTunIP6.String(),
			a.LinkPrefix.String(), a.TunnelPrefix.String(), a.TunnelPrefix6.String()}
		want := []string{tt.srvNS, tt.srvLink, tt.cliLink6, tt.srvTun6, tt.linkPrefix, tt.tunPrefix, tt.tunPrefix6}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("AddressingFor(%d): got %s, want %s", tt.n, got[i], want[i])
			}
		}
	}
}

// TestAddressingDisjoint guarantees parallel labs never share an address
// range, and that pushed routes never cover a lab's link or tunnel.
func TestAddressingDisjoint(t *testing.T) {
	t.Parallel()
	var all []netip.Prefix
	names := map[string]bool{}
	for n := 1; n <= MaxIndex; n++ {
		a, err := AddressingFor(n)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, a.LinkPrefix, a.LinkPrefix6, a.TunnelPrefix, a.TunnelPrefix6)
		for _, ns := range []string{a.ServerNS, a.ClientNS} {
			if names[ns] {
				t.Fatalf("namespace %s used twice", ns)
			}
			names[ns] = true
		}
		if !a.LinkPrefix.Contains(a.ServerLinkIP) || !a.LinkPrefix.Contains(a.ClientLinkIP) ||
			!a.TunnelPrefix.Contains(a.ServerTunIP) || !a.TunnelPrefix6.Contains(a.ServerTunIP6) {
			t.Fatalf("lab %d: an address lies outside its prefix", n)
		}
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if all[i].Overlaps(all[j]) {
				t.Fatalf("%s overlaps %s", all[i], all[j])
			}
		}
	}
	pushed := netip.MustParsePrefix("172.16.0.0/12")
	for i := range maxPushRoutes {
		r := pushedRoute(i)
		if !pushed.Contains(r.Addr()) {
			t.Fatalf("pushed route %d = %s leaves %s", i, r, pushed)
		}
	}
}

func TestLockInfo(t *testing.T) {
	t.Parallel()
	me := lockInfo{pid: os.Getpid(), startTime: processStartTime(os.Getpid()), dir: "/tmp/cvpn-lab-123"}
	if me.startTime == "" {
		t.Fatal("no start time for our own pid")
	}
	back, err := parseLock([]byte(me.String()))
	if err != nil || back != me {
		t.Fatalf("parseLock(%q) = %+v, %v; want %+v", me.String(), back, err, me)
	}
	tests := []struct {
		name  string
		li    lockInfo
		alive bool
	}{
		{"us", me, true},
		{"our pid, recycled", lockInfo{pid: me.pid, startTime: "1"}, false},
		{"no such pid", lockInfo{pid: 1 << 30, startTime: "1"}, false},
	}
	for _, tt := range tests {
		if got := tt.li.ownerAlive(); got != tt.alive {
			t.Errorf("%s: ownerAlive() = %v, want %v", tt.name, got, tt.alive)
		}
	}
	for _, bad := range []string{"", "x 1", "-3 1", "12"} {
		if _, err := parseLock([]byte(bad)); err == nil {
			t.Errorf("parseLock(%q): want error", bad)
		}
	}
}

// fakeTB records what Require's rule did.
type fakeTB struct {
	TB
	fatal, skip string
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Fatalf(format string, a ...any) { f.fatal = fmt.Sprintf(format, a...) }
func (f *fakeTB) Skipf(format string, a ...any)  { f.skip = fmt.Sprintf(format, a...) }

func TestRequireRule(t *testing.T) {
	t.Parallel()
	missing := errors.New("e2e lab prerequisites missing: not running as root")
	tests := []struct {
		name            string
		err             error
		ci              bool
		wantFatal, skip bool
	}{
		{"all there", nil, false, false, false},
		{"all there in ci", nil, true, false, false},
		{"laptop skips", missing, false, false, true},
		{"ci fails", missing, true, true, false},
	}
	for _, tt := range tests {
		f := &fakeTB{}
		testenv.SkipOrFail(f, tt.err, tt.ci)
		if (f.fatal != "") != tt.wantFatal || (f.skip != "") != tt.skip {
			t.Errorf("%s: fatal=%q skip=%q", tt.name, f.fatal, f.skip)
		}
		if msg := f.fatal + f.skip; tt.err != nil && !strings.Contains(msg, "not running as root") {
			t.Errorf("%s: message %q does not carry the reason", tt.name, msg)
		}
	}
}

// TestReapStale fakes the death of a lab's owner (by making its lock name a
// recycled pid) and checks the next allocation removes all it left, removes
// namespaces that have no lock at all, and leaves a live lab alone. It runs
// in a private space: in the shared one, a test process allocating in
// parallel would rightly reap the fake stale lab and reuse its index.
func TestReapStale(t *testing.T) {
	Require(t, "sleep")
	t.Parallel()
	sp := space{runDir: t.TempDir(), nsPrefix: fmt.Sprintf("cvpn-reaptest-%d-", os.Getpid())}
	addNS := func(ns string) {
		t.Helper()
		if _, err := Exec(t.Context(), "", "ip", "netns", "add", ns); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { destroyNamespace(ns) })
	}
	nsExists := func(ns string) bool {
		_, err := os.Stat(filepath.Join("/run/netns", ns))
		return err == nil
	}

	// A lab whose owner is gone: lock, namespace with a process, temp dir.
	staleDir, err := os.MkdirTemp("", "cvpn-lab-stale-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(staleDir) })
	stale, staleLock, err := sp.allocate(staleDir)
	if err != nil {
		t.Fatal(err)
	}
	// A live lab owned by us. Allocated before the other one is made to
	// look dead, or this allocation would already reap it.
	live, liveLock, err := sp.allocate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	liveNS, _ := sp.namespaces(live)
	addNS(liveNS)

	staleNS, _ := sp.namespaces(stale)
	addNS(staleNS)
	sleeper := Command(t.Context(), staleNS, "sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { sleeper.Wait(); close(exited) }()
	waitUntil(t, func() bool { return len(strings.Fields(mustOutput("ip", "netns", "pids", staleNS))) > 0 })
	dead := lockInfo{pid: os.Getpid(), startTime: "1", dir: staleDir}
	if err := os.WriteFile(staleLock, []byte(dead.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	// An orphan namespace without any lock.
	_, orphanNS := sp.namespaces(MaxIndex)
	addNS(orphanNS)

	next, nextLock, err := sp.allocate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Errorf("process in the stale namespace still runs")
	}
	if nsExists(staleNS) {
		t.Errorf("stale namespace %s still exists", staleNS)
	}
	if _, err := os.Stat(staleDir); err == nil {
		t.Errorf("stale lab dir %s still exists", staleDir)
	}
	if nsExists(orphanNS) {
		t.Errorf("orphan namespace %s still exists", orphanNS)
	}
	if !nsExists(liveNS) {
		t.Errorf("live lab's namespace %s was reaped", liveNS)
	}
	if b, err := os.ReadFile(liveLock); err != nil || !strings.HasPrefix(string(b), fmt.Sprint(os.Getpid())) {
		t.Errorf("live lab's lock is gone or changed: %q, %v", b, err)
	}
	if next != stale || nextLock != staleLock {
		t.Errorf("next allocation got %d (%s), want the reaped index %d", next, nextLock, stale)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 5s")
}

func mustOutput(name string, args ...string) string {
	out, _ := exec.Command(name, args...).Output()
	return string(out)
}
