//go:build linux

package e2e

import (
	"context"
	"errors"
	"github.com/cvpn/cvpn/internal/testenv"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/cvpn/cvpn/e2e/lab"
)

// startCvpnPrivateResolv starts cvpn as startCvpn does, but in a mount
// namespace of its own where /etc/resolv.conf is a bind mount of resolv:
// cvpn changes that file and never the machine's. ip netns exec already
// gives the process a mount namespace whose mounts do not propagate back
// (it marks / slave); unshare -m makes a private one inside it, and the
// mount must succeed before cvpn runs at all.
func startCvpnPrivateResolv(t *testing.T, l *lab.Lab, profile, resolv string, args ...string) *cvpnClient {
	t.Helper()
	wrap := []string{"unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount --bind "$0" /etc/resolv.conf && exec "$@"`, resolv}
	return runCvpn(t, l, wrap, profile, true, args...)
}

// labPushingDNS starts a lab (in parallel with other tests) whose server
// pushes its own tunnel address as DNS server, and the extra options.
// cvpn must then run with a private resolv.conf (startCvpnPrivateResolv).
func labPushingDNS(t *testing.T, extra ...string) *lab.Lab {
	t.Helper()
	lab.Require(t, "unshare", "mount")
	if fi, err := os.Lstat("/etc/resolv.conf"); err != nil || fi.Mode()&fs.ModeSymlink != 0 {
		// A bind mount over a symlink would land on its target, and cvpn
		// would then replace the machine's link: never risk that.
		testenv.Unavailable(t, "/etc/resolv.conf must be a regular file to be shadowed safely (%v)", err)
	}
	t.Parallel()
	l := lab.NewT(t, lab.Options{})
	// The push names the server's tunnel address, known only now.
	pushes := "push \"dhcp-option DNS " + l.ServerTunIP.String() + "\"\n"
	for _, e := range extra {
		pushes += "push \"" + e + "\"\n"
	}
	f, err := os.OpenFile(l.ServerConfigPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(pushes)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Server.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	return l
}

// TestCvpnDNSResolvConf: the server pushes a DNS server and a search
// domain; while connected the client's resolv.conf names them, and after a
// clean stop, and after kill -9 followed by a recovering run, it holds the
// original bytes again.
func TestCvpnDNSResolvConf(t *testing.T) {
	l := labPushingDNS(t, "dhcp-option DOMAIN-SEARCH lab.example")

	const original = "# the client's own resolver\nnameserver 192.0.2.53\noptions rotate\n# no newline at the end"
	resolv := filepath.Join(l.Dir, "resolv.conf")
	if err := os.WriteFile(resolv, []byte(original), 0o644); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(l.Dir, "cvpn-client.ovpn")
	if err := l.WriteClientProfile(profile, lab.ProfileOptions{}); err != nil {
		t.Fatal(err)
	}
	check := func(when string, connected bool) {
		t.Helper()
		got, err := os.ReadFile(resolv)
		if err != nil {
			t.Fatal(err)
		}
		if !connected {
			if string(got) != original {
				t.Fatalf("%s: resolv.conf is not the original byte for byte:\n%q\nwant:\n%q", when, got, original)
			}
			return
		}
		for _, want := range []string{"\nnameserver " + l.ServerTunIP.String() + "\n", "\nsearch lab.example\n", "\noptions rotate\n"} {
			if !strings.Contains(string(got), want) {
				t.Fatalf("%s: resolv.conf lacks %q:\n%s", when, want, got)
			}
		}
		if strings.Contains(string(got), "192.0.2.53") {
			t.Fatalf("%s: resolv.conf still names the original server:\n%s", when, got)
		}
	}
	stop := func(c *cvpnClient) {
		t.Helper()
		if err := c.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
		defer cancel()
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatal("cvpn did not exit after Ctrl-C")
		}
	}

	serveDNS(t, l, "www.lab.example.", l.ServerTunIP)
	first := startCvpnPrivateResolv(t, l, profile, resolv)
	check("connected", true)
	// The client's resolver, in cvpn's own mount namespace, completes
	// "www" with the pushed search domain and asks the pushed server
	// through the tunnel.
	out, err := lab.Exec(t.Context(), "", "nsenter", "-t", strconv.Itoa(first.Pid()), "-m", "-n", "getent", "hosts", "www")
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(string(out)); len(f) < 2 || f[0] != l.ServerTunIP.String() || f[1] != "www.lab.example" {
		t.Errorf("getent hosts www: %q, want %s www.lab.example", out, l.ServerTunIP)
	}
	if !strings.Contains(first.Log(), "in place: it is a mount point") {
		t.Errorf("the bind-mounted resolv.conf was not written in place:\n%s", first.LogTail(30))
	}
	stop(first)
	check("after a clean stop", false)

	second := startCvpnPrivateResolv(t, l, profile, resolv)
	check("connected again", true)
	if err := second.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-second.Done()
	check("after kill -9", true)

	third := startCvpnPrivateResolv(t, l, profile, resolv)
	if !strings.Contains(third.Log(), "recovered: undid the network changes of \"cvpn-client\"") {
		t.Errorf("the third run did not report its recovery:\n%s", third.LogTail(30))
	}
	check("connected after recovery", true)
	stop(third)
	check("after kill -9, recovery and a clean stop", false)
}

// serveDNS answers A queries for name with addr (and every other query
// with NXDOMAIN) on the server's tunnel address, port 53, until the test
// ends: a DNS server only reachable through the tunnel.
func serveDNS(t *testing.T, l *lab.Lab, name string, addr netip.Addr) {
	t.Helper()
	var pc net.PacketConn
	if err := lab.InNetns(l.ServerNS, func() (err error) {
		pc, err = net.ListenPacket("udp", netip.AddrPortFrom(l.ServerTunIP, 53).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { _ = pc.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired})
			found := q.Name.String() == name && q.Type == dnsmessage.TypeA
			if !found && q.Name.String() != name {
				b = dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, RCode: dnsmessage.RCodeNameError, RecursionDesired: h.RecursionDesired})
			}
			b.EnableCompression()
			_ = b.StartQuestions()
			_ = b.Question(q)
			if found {
				_ = b.StartAnswers()
				_ = b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}, dnsmessage.AResource{A: addr.As4()})
			}
			if msg, err := b.Finish(); err == nil {
				_, _ = pc.WriteTo(msg, from)
			}
		}
	}()
}
