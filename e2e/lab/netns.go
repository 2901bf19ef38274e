//go:build linux

package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Command returns a command that runs name in network namespace ns (through
// `ip netns exec`, which also gives it the namespace's own /sys). An empty ns
// runs it in the current namespace.
func Command(ctx context.Context, ns, name string, args ...string) *exec.Cmd {
	if ns == "" {
		return exec.CommandContext(ctx, name, args...)
	}
	return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// Exec runs name in namespace ns and returns its combined output. The error
// carries the command line and the output, which is what a failing test wants
// to show.
func Exec(ctx context.Context, ns, name string, args ...string) ([]byte, error) {
	out, err := Command(ctx, ns, name, args...).CombinedOutput()
	if err != nil {
		where := ""
		if ns != "" {
			where = " in netns " + ns
		}
		return out, fmt.Errorf("%s %s%s: %w: %s", name, strings.Join(args, " "), where, err, bytes.TrimSpace(out))
	}
	return out, nil
}

// runDir holds one lock file per live lab. /run is cleared at boot, which is
// exactly the life of a namespace. CVPN_LAB_RUN_DIR overrides it.
func runDir() string {
	if d := os.Getenv("CVPN_LAB_RUN_DIR"); d != "" {
		return d
	}
	return "/run/cvpn-lab"
}

// lockInfo is the content of a lab lock file: the owner, identified by pid and
// start time (so a recycled pid is not mistaken for the owner), and the lab's
// temp dir, so a reaper can remove it.
type lockInfo struct {
	pid       int
	startTime string
	dir       string
}

func (li lockInfo) String() string {
	return fmt.Sprintf("%d %s %s\n", li.pid, li.startTime, li.dir)
}

func parseLock(b []byte) (lockInfo, error) {
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return lockInfo{}, fmt.Errorf("parse lock %q: too few fields", b)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return lockInfo{}, fmt.Errorf("parse lock %q: bad pid", b)
	}
	li := lockInfo{pid: pid, startTime: f[1]}
	if len(f) > 2 {
		li.dir = f[2]
	}
	return li, nil
}

// processStartTime returns field 22 of /proc/PID/stat (start time in clock
// ticks since boot), or "" if the process does not exist.
func processStartTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) may contain spaces; count after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

func (li lockInfo) ownerAlive() bool {
	st := processStartTime(li.pid)
	return st != "" && st == li.startTime
}

// space is where labs live: the directory of lock files and the prefix of
// namespace names. Real labs all share defaultSpace; the reaper's own test
// uses a private space so it can fake a dead owner without another test
// process reaping, reusing or deleting anything real.
type space struct {
	runDir   string
	nsPrefix string
}

func defaultSpace() space { return space{runDir: runDir(), nsPrefix: nsPrefix} }

func (s space) namespaces(n int) (server, client string) {
	return fmt.Sprintf("%s%d-srv", s.nsPrefix, n), fmt.Sprintf("%s%d-cli", s.nsPrefix, n)
}

func (s space) lockPath(n int) string {
	return filepath.Join(s.runDir, fmt.Sprintf("%d.lock", n))
}

// allocate claims the lowest free lab index by creating its lock file with
// O_EXCL. The whole scan, including reaping of stale labs, runs under an
// flock on a guard file: without it two processes could both judge the same
// lab stale and one could delete a lab the other has just built. The kernel
// drops the flock when its holder dies, so it can never go stale itself.
func (s space) allocate(labDir string) (int, string, error) {
	dir := s.runDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, "", fmt.Errorf("allocate lab: %w", err)
	}
	guard, err := os.OpenFile(filepath.Join(dir, "alloc.guard"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return 0, "", fmt.Errorf("allocate lab: %w", err)
	}
	defer guard.Close()
	if err := syscall.Flock(int(guard.Fd()), syscall.LOCK_EX); err != nil {
		return 0, "", fmt.Errorf("allocate lab: flock: %w", err)
	}
	defer syscall.Flock(int(guard.Fd()), syscall.LOCK_UN)

	s.reapStale()
	me := lockInfo{pid: os.Getpid(), startTime: processStartTime(os.Getpid()), dir: labDir}
	for n := 1; n <= MaxIndex; n++ {
		p := s.lockPath(n)
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return 0, "", fmt.Errorf("allocate lab: %w", err)
		}
		_, werr := f.WriteString(me.String())
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			os.Remove(p)
			return 0, "", fmt.Errorf("allocate lab: write lock: %w", werr)
		}
		return n, p, nil
	}
	return 0, "", fmt.Errorf("allocate lab: all %d lab indexes are in use (see %s)", MaxIndex, dir)
}

// reapStale removes labs whose owner died without Close (SIGKILL, a crash,
// a test binary killed by its timeout): it kills their processes, deletes
// their namespaces and temp dir and removes the lock. Namespaces that carry
// the lab prefix but have no lock at all are leftovers of the same kind,
// because a lock is always taken before its namespaces are made and removed
// only after they are gone. Must be called with the allocation guard held.
// Failures are ignored: reaping is a best effort and must not stop new labs.
func (s space) reapStale() {
	dir := s.runDir
	locked := map[int]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		n, ok := strings.CutSuffix(e.Name(), ".lock")
		if !ok {
			continue
		}
		idx, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		li, err := parseLock(b)
		if err == nil && li.ownerAlive() {
			locked[idx] = true
			continue
		}
		srv, cli := s.namespaces(idx)
		destroyNamespace(srv)
		destroyNamespace(cli)
		if err == nil && li.dir != "" && strings.Contains(filepath.Base(li.dir), "cvpn-lab") {
			os.RemoveAll(li.dir)
		}
		os.Remove(p)
	}
	for _, ns := range listNamespaces() {
		var idx int
		var role string
		if _, err := fmt.Sscanf(ns, s.nsPrefix+"%d-%s", &idx, &role); err != nil {
			continue
		}
		if !locked[idx] {
			destroyNamespace(ns)
		}
	}
}

// listNamespaces returns the names from `ip netns list`.
func listNamespaces() []string {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return nil
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

// destroyNamespace kills every process still in ns and deletes it. Deleting
// the namespace destroys the veth end and tun devices inside it.
func destroyNamespace(ns string) error {
	if _, err := os.Stat(filepath.Join("/run/netns", ns)); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	killNamespacePids(ns)
	if out, err := exec.Command("ip", "netns", "delete", ns).CombinedOutput(); err != nil {
		return fmt.Errorf("delete netns %s: %w: %s", ns, err, bytes.TrimSpace(out))
	}
	return nil
}

func killNamespacePids(ns string) {
	out, _ := exec.Command("ip", "netns", "pids", ns).Output()
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != os.Getpid() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// setupNetwork creates both namespaces and the veth pair between them. Each
// veth end is created directly inside its namespace, so not even for a moment
// does the root namespace gain an interface. IPv6 addresses skip duplicate
// address detection, which would otherwise leave them unusable for ~2 s.
func setupNetwork(ctx context.Context, a Addressing) error {
	steps := [][]string{
		{"netns", "add", a.ServerNS},
		{"netns", "add", a.ClientNS},
		{"link", "add", ServerVeth, "netns", a.ServerNS, "type", "veth", "peer", "name", ClientVeth, "netns", a.ClientNS},
		{"-n", a.ServerNS, "addr", "add", prefixOf(a.ServerLinkIP, a.LinkPrefix), "dev", ServerVeth},
		{"-n", a.ServerNS, "addr", "add", prefixOf(a.ServerLinkIP6, a.LinkPrefix6), "dev", ServerVeth, "nodad"},
		{"-n", a.ClientNS, "addr", "add", prefixOf(a.ClientLinkIP, a.LinkPrefix), "dev", ClientVeth},
		{"-n", a.ClientNS, "addr", "add", prefixOf(a.ClientLinkIP6, a.LinkPrefix6), "dev", ClientVeth, "nodad"},
		{"-n", a.ServerNS, "link", "set", "lo", "up"},
		{"-n", a.ClientNS, "link", "set", "lo", "up"},
		{"-n", a.ServerNS, "link", "set", ServerVeth, "up"},
		{"-n", a.ClientNS, "link", "set", ClientVeth, "up"},
	}
	for _, s := range steps {
		if _, err := Exec(ctx, "", "ip", s...); err != nil {
			return fmt.Errorf("set up network: %w", err)
		}
	}
	return nil
}
