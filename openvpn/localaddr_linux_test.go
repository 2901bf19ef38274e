package openvpn

import (
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// nlAttr is an address attribute of a netlink message.
type nlAttr struct {
	typ uint16 // IFA_LOCAL, IFA_ADDRESS
	a   netip.Addr
}

// nlAddrMsg is a netlink address message of type typ carrying attrs, as
// the kernel sends them.
func nlAddrMsg(typ uint16, family uint8, attrs ...nlAttr) []byte {
	body := []byte{family, 24, 0, 0, 2, 0, 0, 0} // ifaddrmsg: family, prefix, flags, scope, index
	for _, at := range attrs {
		v := at.a.AsSlice()
		body = binary.NativeEndian.AppendUint16(body, uint16(unix.SizeofRtAttr+len(v)))
		body = binary.NativeEndian.AppendUint16(body, at.typ)
		body = append(body, v...)
		for len(body)%unix.NLMSG_ALIGNTO != 0 {
			body = append(body, 0)
		}
	}
	h := binary.NativeEndian.AppendUint32(nil, uint32(unix.NLMSG_HDRLEN+len(body)))
	h = binary.NativeEndian.AppendUint16(h, typ)
	h = append(h, make([]byte, 10)...) // flags, seq, pid
	return append(h, body...)
}

func TestMayRemove(t *testing.T) {
	a4, o4 := netip.MustParseAddr("198.18.7.2"), netip.MustParseAddr("198.18.7.3")
	a6, o6 := netip.MustParseAddr("fd00:7::2"), netip.MustParseAddr("fd00:7::3")
	del4 := func(local, addr netip.Addr) []byte {
		return nlAddrMsg(unix.RTM_DELADDR, unix.AF_INET, nlAttr{unix.IFA_ADDRESS, addr}, nlAttr{unix.IFA_LOCAL, local})
	}
	del6 := func(addr netip.Addr) []byte {
		return nlAddrMsg(unix.RTM_DELADDR, unix.AF_INET6, nlAttr{unix.IFA_ADDRESS, addr})
	}
	add4 := nlAddrMsg(unix.RTM_NEWADDR, unix.AF_INET, nlAttr{unix.IFA_ADDRESS, a4}, nlAttr{unix.IFA_LOCAL, a4})
	for _, tc := range []struct {
		name  string
		b     []byte
		watch netip.Addr
		want  bool
	}{
		{"ipv4 removed", del4(a4, a4), a4, true},
		{"other ipv4 removed", del4(o4, o4), a4, false},
		{"ipv4 added", add4, a4, false},
		{"point-to-point peer removed (confirmed later)", del4(o4, a4), a4, true},
		{"ipv6 removed", del6(a6), a6, true},
		{"other ipv6 removed", del6(o6), a6, false},
		{"ipv4 watched, ipv6 removed", del6(o6), a4, false},
		{"second of two messages", slices.Concat(del4(o4, o4), del4(a4, a4)), a4, true},
		{"added and another removed", slices.Concat(add4, del4(o4, o4)), a4, false},
		{"truncated: look", del4(a4, a4)[:20], a4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mayRemove(tc.b, tc.watch); got != tc.want {
				t.Errorf("mayRemove = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestWatchAddrLeavesNothing starts and stops watches, some of which fire
// (their address is not this machine's), and checks that every socket and
// goroutine is gone after.
func TestWatchAddrLeavesNothing(t *testing.T) {
	requireGone(t)
	fds, goroutines := baseline(t)
	for i := range 20 {
		a, fires := netip.MustParseAddr("127.0.0.1"), false
		if i%2 == 1 {
			a, fires = netip.MustParseAddr(goneAddrs[0]), true
		}
		gone := make(chan netip.Addr, 1)
		stop, err := watchAddr(a, gone)
		if err != nil {
			t.Fatal(err)
		}
		if fires {
			select {
			case got := <-gone:
				if got != a {
					t.Errorf("watch of %v sent %v", a, got)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("watch of %v, which is not assigned, did not fire", a)
			}
		}
		stop()
		select {
		case got := <-gone:
			t.Errorf("watch of %v sent %v", a, got)
		default:
		}
	}
	if n := testenv.OpenFDs(t); n > fds {
		t.Errorf("%d descriptors open before, %d after", fds, n)
	}
	if n, stacks := testenv.GoroutinesLeft(goroutines, 5*time.Second); n > goroutines {
		t.Errorf("%d goroutines before, %d after:\n%s", goroutines, n, stacks)
	}
}

// baseline counts the open descriptors and goroutines, for a test to
// compare with after its watches ended. It starts and stops a watch first:
// the runtime's poller opens descriptors of its own (epoll, eventfd) the
// first time a socket uses it, and keeps them.
func baseline(t *testing.T) (fds, goroutines int) {
	t.Helper()
	stop, err := watchAddr(netip.MustParseAddr("127.0.0.1"), make(chan netip.Addr, 1))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	return testenv.OpenFDs(t), runtime.NumGoroutine()
}

// inPrivateNetns re-runs the calling test in a child process with a network
// namespace of its own, so the test may add devices and addresses freely
// and the kernel removes all of it when the child exits.
func inPrivateNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv("CVPN_TEST_NETNS") == "1" {
		return true
	}
	testenv.RequireRoot(t)
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "CVPN_TEST_NETNS=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("in private netns: %v\n%s", err, out)
	}
	t.Logf("in private netns:\n%s", out)
	return false
}

// TestWatchAddrRemoval adds addresses to a veth pair, watches one, and
// removes them: the watch must fire promptly when its address is gone
// from the machine, and not for another address, nor while its address is
// still on the other interface.
func TestWatchAddrRemoval(t *testing.T) {
	if !inPrivateNetns(t) {
		return
	}
	fds, goroutines := baseline(t)
	// A veth pair: this kernel may lack the dummy driver.
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "lw0"}, PeerName: "lw1"}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if l, err := netlink.LinkByName("lw0"); err == nil {
			_ = netlink.LinkDel(l)
		}
	}()
	for _, name := range []string{"lw0", "lw1"} {
		l, err := netlink.LinkByName(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := netlink.LinkSetUp(l); err != nil {
			t.Fatal(err)
		}
	}
	type ifAddr struct {
		dev string
		p   string
	}
	addr := func(t *testing.T, a ifAddr, add bool) {
		t.Helper()
		l, err := netlink.LinkByName(a.dev)
		if err != nil {
			t.Fatal(err)
		}
		p := netip.MustParsePrefix(a.p)
		na := &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}, Flags: unix.IFA_F_NODAD}
		if add {
			err = netlink.AddrAdd(l, na)
		} else {
			err = netlink.AddrDel(l, na)
		}
		if err != nil {
			t.Fatalf("%v %v on %s: %v", map[bool]string{true: "add", false: "delete"}[add], p, a.dev, err)
		}
	}
	for _, tc := range []struct {
		name  string
		add   []ifAddr // before the watch starts
		quiet []ifAddr // removed one by one: the watch must not fire
		fire  ifAddr   // removed last: the watch must fire
	}{
		{
			name:  "ipv4",
			add:   []ifAddr{{"lw0", "198.18.7.2/24"}, {"lw0", "198.18.7.3/24"}, {"lw0", "198.18.8.2/24"}},
			quiet: []ifAddr{{"lw0", "198.18.7.3/24"}, {"lw0", "198.18.8.2/24"}},
			fire:  ifAddr{"lw0", "198.18.7.2/24"},
		},
		{
			name:  "ipv6",
			add:   []ifAddr{{"lw0", "fd00:7::2/64"}, {"lw0", "fd00:7::3/64"}, {"lw0", "198.18.7.2/24"}},
			quiet: []ifAddr{{"lw0", "fd00:7::3/64"}, {"lw0", "198.18.7.2/24"}},
			fire:  ifAddr{"lw0", "fd00:7::2/64"},
		},
		{
			name:  "on two interfaces",
			add:   []ifAddr{{"lw0", "198.18.7.2/24"}, {"lw1", "198.18.7.2/24"}},
			quiet: []ifAddr{{"lw0", "198.18.7.2/24"}},
			fire:  ifAddr{"lw1", "198.18.7.2/24"},
		},
		{
			name:  "two prefixes of one address",
			add:   []ifAddr{{"lw0", "198.18.7.2/24"}, {"lw0", "198.18.7.2/32"}},
			quiet: []ifAddr{{"lw0", "198.18.7.2/24"}},
			fire:  ifAddr{"lw0", "198.18.7.2/32"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, a := range tc.add {
				addr(t, a, true)
			}
			watched := netip.MustParsePrefix(tc.fire.p).Addr()
			gone := make(chan netip.Addr, 1)
			stop, err := watchAddr(watched, gone)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			for _, a := range tc.quiet {
				addr(t, a, false)
				select {
				case got := <-gone:
					t.Fatalf("removing %s from %s: the watch of %v fired (%v)", a.p, a.dev, watched, got)
				case <-time.After(200 * time.Millisecond):
				}
			}
			start := time.Now()
			addr(t, tc.fire, false)
			select {
			case got := <-gone:
				if got != watched {
					t.Errorf("the watch of %v sent %v", watched, got)
				}
				if took := time.Since(start); took > addrCheckEvery/2 {
					t.Errorf("the watch took %v to fire", took)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("removing %v: the watch did not fire", watched)
			}
		})
	}
	if l, err := netlink.LinkByName("lw0"); err == nil {
		if err := netlink.LinkDel(l); err != nil {
			t.Fatal(err)
		}
	}
	if n := testenv.OpenFDs(t); n > fds {
		t.Errorf("%d descriptors open before, %d after", fds, n)
	}
	if n, stacks := testenv.GoroutinesLeft(goroutines, 5*time.Second); n > goroutines {
		t.Errorf("%d goroutines before, %d after:\n%s", goroutines, n, stacks)
	}
}
