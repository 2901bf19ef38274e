//go:build linux

package lab

// A real systemd-resolved for the client namespace, without installing it.
// Installing the package would point the machine's /etc/resolv.conf at a
// stub that nothing serves where PID 1 is not systemd, so install-deps.sh
// only unpacks it (dpkg-deb -x) into ResolvedRoot, and StartResolved runs it
// like this:
//
//	ip netns exec CLIENT unshare -m -p -f --kill-child   (Pid: holds the namespaces)
//	└─ sh (PID 1 of its own PID namespace)
//	   ├─ mount a tmpfs on /run; bind-mount private /etc/resolv.conf
//	   │  (nameserver 127.0.0.53) and, if the machine has no user
//	   │  systemd-resolve, private /etc/passwd and /etc/group with one
//	   ├─ dbus-daemon: a system bus at /run/dbus/system_bus_socket that
//	   │  allows everything
//	   └─ systemd-resolved (drops to systemd-resolve itself), stub on
//	      127.0.0.53 of the client namespace, no LLMNR, mDNS or fallback
//	      servers, so it asks nobody but the links' servers
//
// Programs join it with Enter (nsenter into the mount namespace): cvpn then
// finds /run/systemd/resolve and org.freedesktop.resolve1 on "the" system
// bus, and getent, resolvectl and busctl see the same resolver. Nothing of
// it is visible outside: the mounts are private, and killing the holder
// ends the PID namespace and with it every process in it.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
)

// ResolvedReady is the line StartResolved waits for.
const ResolvedReady = "cvpn-e2e: systemd-resolved is on the private bus"

// ResolvedRoot is the unpacked systemd-resolved package:
// $CVPN_RESOLVED_ROOT, or where scripts/install-deps.sh test puts it.
func ResolvedRoot() string {
	if d := os.Getenv("CVPN_RESOLVED_ROOT"); d != "" {
		return d
	}
	return "/var/cache/cvpn-test/systemd-resolved"
}

// RequireResolved is Require for tests that run StartResolved: it also
// needs the unpacked systemd-resolved and the tools around it, and fails
// instead of skipping under CI=true.
func RequireResolved(t TB) {
	t.Helper()
	Require(t, "unshare", "nsenter", "mount", "dbus-daemon", "getent")
	bin := filepath.Join(ResolvedRoot(), "lib/systemd/systemd-resolved")
	var err error
	for _, p := range []string{bin, filepath.Join(ResolvedRoot(), "usr/bin/resolvectl")} {
		if st, serr := os.Stat(p); serr != nil || st.Mode()&0o111 == 0 {
			err = fmt.Errorf("no unpacked systemd-resolved at %s (scripts/install-deps.sh test unpacks it without installing it): %v", p, serr)
			break
		}
	}
	testenv.SkipOrFail(t, err, testenv.InCI())
}

// Resolved is a systemd-resolved and its system bus, running in a mount
// (and PID) namespace of their own inside a lab's client namespace.
type Resolved struct {
	*Process
	root string
}

// resolvedScript is run by sh with the unpacked package's root as $0.
const resolvedScript = `set -eu
root=$0
mount -t tmpfs -o mode=0755 cvpn-e2e-run /run
mkdir -p /run/dbus /run/systemd/resolved.conf.d /run/cvpn-e2e
printf 'nameserver 127.0.0.53\n' >/run/cvpn-e2e/resolv.conf
mount --bind /run/cvpn-e2e/resolv.conf /etc/resolv.conf
# resolved drops its privileges to this user by name; the unit's User= is
# not there to create it.
if ! getent passwd systemd-resolve >/dev/null; then
	id=991
	while getent passwd $id >/dev/null || getent group $id >/dev/null; do id=$((id + 1)); done
	cp /etc/passwd /run/cvpn-e2e/passwd
	cp /etc/group /run/cvpn-e2e/group
	echo "systemd-resolve:x:$id:$id:systemd-resolved (cvpn e2e):/nonexistent:/usr/sbin/nologin" >>/run/cvpn-e2e/passwd
	echo "systemd-resolve:x:$id:" >>/run/cvpn-e2e/group
	mount --bind /run/cvpn-e2e/passwd /etc/passwd
	mount --bind /run/cvpn-e2e/group /etc/group
fi
printf '[Resolve]\nLLMNR=no\nMulticastDNS=no\nFallbackDNS=\nDNSSEC=no\nDNSOverTLS=no\nCache=no\n' >/run/systemd/resolved.conf.d/cvpn-e2e.conf
cat >/run/cvpn-e2e/bus.conf <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
unset NOTIFY_SOCKET WATCHDOG_PID WATCHDOG_USEC DBUS_SYSTEM_BUS_ADDRESS
dbus-daemon --config-file=/run/cvpn-e2e/bus.conf --nofork --nopidfile &
"$root/lib/systemd/systemd-resolved" &
resolved=$!
n=0
until "$root/usr/bin/resolvectl" status >/dev/null 2>&1; do
	kill -0 $resolved 2>/dev/null || { echo "systemd-resolved exited"; exit 1; }
	n=$((n + 1))
	[ $n -lt 400 ] || { echo "systemd-resolved did not answer on the bus within 20 s"; exit 1; }
	sleep 0.05
done
echo "` + ResolvedReady + `"
wait
`

// StartResolved starts systemd-resolved on a private system bus in the
// lab's client namespace and waits until it answers there. The lab's
// cleanup does not know it: call Close (tests: t.Cleanup).
func StartResolved(ctx context.Context, l *Lab) (*Resolved, error) {
	root := ResolvedRoot()
	argv := []string{"unshare", "-m", "-p", "-f", "--kill-child", "--propagation", "private",
		"sh", "-c", resolvedScript, root}
	p, err := StartProcess("systemd-resolved", l.ClientNS, l.path("systemd-resolved.log"), argv)
	if err != nil {
		return nil, err
	}
	r := &Resolved{Process: p, root: root}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := p.WaitFor(ctx, ResolvedReady); err != nil {
		r.Close()
		return nil, fmt.Errorf("start systemd-resolved: %w", err)
	}
	return r, nil
}

// Enter returns argv run inside resolved's mount namespace: /run, the bus
// and /etc/resolv.conf are then resolved's. Start it in the lab's client
// namespace (StartProcess, Exec with l.ClientNS).
func (r *Resolved) Enter(argv ...string) []string {
	return append([]string{"nsenter", "--target", strconv.Itoa(r.Pid()), "--mount", "--"}, argv...)
}

// Exec runs name inside resolved's namespaces and returns its combined
// output.
func (r *Resolved) Exec(ctx context.Context, name string, args ...string) ([]byte, error) {
	argv := r.Enter(append([]string{name}, args...)...)
	return Exec(ctx, r.NS, argv[0], argv[1:]...)
}

// Resolvectl runs the unpacked resolvectl against this resolved.
func (r *Resolved) Resolvectl(ctx context.Context, args ...string) (string, error) {
	out, err := r.Exec(ctx, filepath.Join(r.root, "usr/bin/resolvectl"), args...)
	return strings.TrimSpace(string(out)), err
}

// Close ends resolved, its bus and everything else in its PID namespace
// (SIGKILL of the holder, which unshare --kill-child passes on to the
// namespace's init). Its mounts go with the mount namespace.
func (r *Resolved) Close() {
	_ = r.Signal(syscall.SIGKILL)
	<-r.Done()
}
