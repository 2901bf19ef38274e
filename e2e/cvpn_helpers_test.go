//go:build linux

package e2e

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cvpn/cvpn/e2e/lab"
)

// The cvpn binary under test, built once per test run.
var (
	cvpnOnce sync.Once
	cvpnPath string
	cvpnErr  error
)

func cvpnBinary(t *testing.T) string {
	t.Helper()
	cvpnOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cvpn-e2e-bin-")
		if err != nil {
			cvpnErr = err
			return
		}
		cvpnPath = filepath.Join(dir, "cvpn")
		// The race detector watches the engine under real traffic when
		// cgo is available (it needs it); "make unit" turns cgo off.
		args := []string{"build", "-o", cvpnPath}
		if out, err := exec.Command("go", "env", "CGO_ENABLED").Output(); err == nil && strings.TrimSpace(string(out)) == "1" {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, "github.com/cvpn/cvpn/cmd/cvpn")...).CombinedOutput()
		if err != nil {
			cvpnErr = fmt.Errorf("build cvpn: %v\n%s", err, out)
		}
	})
	if cvpnErr != nil {
		t.Fatal(cvpnErr)
	}
	return cvpnPath
}

// cvpnClient is a "cvpn connect --foreground" running in the lab's client
// namespace.
type cvpnClient struct {
	*lab.Process
	profile string
}

// startCvpn writes the lab's client profile (varied by po), starts cvpn with
// it in the client namespace and, unless noWait, waits for the tunnel.
func startCvpn(t *testing.T, l *lab.Lab, po lab.ProfileOptions, noWait bool, args ...string) *cvpnClient {
	t.Helper()
	profile := filepath.Join(l.Dir, "cvpn-client.ovpn")
	if err := l.WriteClientProfile(profile, po); err != nil {
		t.Fatal(err)
	}
	return startCvpnFile(t, l, profile, noWait, args...)
}

// startCvpnFile starts cvpn with the profile at path, as startCvpn does.
func startCvpnFile(t *testing.T, l *lab.Lab, profile string, noWait bool, args ...string) *cvpnClient {
	t.Helper()
	return runCvpn(t, l, nil, profile, !noWait, args...)
}

// runCvpn runs `cvpn connect --foreground` on profile in the lab's client
// namespace, behind the command line wrap (unshare, nsenter, env …; nil
// for none), with args before the profile. The test's cleanup stops it
// and shows its log if the test failed; with wait it returns once cvpn
// is connected.
func runCvpn(t *testing.T, l *lab.Lab, wrap []string, profile string, wait bool, args ...string) *cvpnClient {
	t.Helper()
	argv := append(append([]string(nil), wrap...), cvpnBinary(t), "connect", "--foreground",
		"--state-dir", filepath.Join(l.Dir, "state"), "--dev", lab.TunDev, "--verbose")
	argv = append(append(argv, args...), profile)
	p, err := lab.StartProcess("cvpn", l.ClientNS, filepath.Join(l.Dir, "cvpn.log"), argv)
	if err != nil {
		t.Fatal(err)
	}
	c := &cvpnClient{Process: p, profile: profile}
	t.Cleanup(func() {
		_ = p.Stop()
		if t.Failed() {
			t.Logf("cvpn log:\n%s", p.LogTail(80))
		}
	})
	if wait {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		// At the start of a line (--verbose logs come first): under
		// redirect-gateway the IPv6 warning says "while connected (".
		if err := p.WaitFor(ctx, "\nconnected "); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// transfer sends size bytes over TCP from the client namespace to the
// server's tunnel address and checks they arrived intact (SHA-256). With
// spread > 0 the sender paces itself to take at least that long, to keep
// traffic flowing across events such as renegotiations.
func transfer(t *testing.T, l *lab.Lab, dst netip.Addr, size int, spread time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), spread+60*time.Second)
	defer cancel()
	if spread == 0 {
		r, err := lab.Transfer(ctx, l.ClientNS, l.ServerNS, netip.AddrPortFrom(dst, 0), int64(size))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("transferred %d MB through the tunnel in %v (%.1f MB/s)", size>>20, r.Duration.Round(time.Millisecond), float64(size)/r.Duration.Seconds()/1e6)
		return
	}
	ln, err := lab.ListenTCP(l.ServerNS, netip.AddrPortFrom(dst, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		sum [32]byte
		n   int64
		err error
	}
	got := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- result{err: err}
			return
		}
		defer c.Close()
		h := sha256.New()
		n, err := io.Copy(h, c)
		r := result{n: n, err: err}
		copy(r.sum[:], h.Sum(nil))
		got <- r
	}()
	c, err := lab.DialTCP(ctx, l.ClientNS, ln.Addr().(*net.TCPAddr).AddrPort())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if d, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(d) // fail, with the logs, rather than hang on a stalled tunnel
	}
	rng := rand.NewChaCha8([32]byte{1, 2, 3})
	h := sha256.New()
	buf := make([]byte, 64<<10)
	for sent := 0; sent < size; {
		n := min(len(buf), size-sent)
		_, _ = rng.Read(buf[:n])
		h.Write(buf[:n])
		if _, err := c.Write(buf[:n]); err != nil {
			t.Fatalf("send after %d bytes: %v", sent, err)
		}
		sent += n
		if ahead := time.Duration(float64(spread)*float64(sent)/float64(size)) - time.Since(start); ahead > 0 {
			time.Sleep(ahead)
		}
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-got:
	case <-ctx.Done():
		t.Fatal("receiver did not finish")
	}
	if r.err != nil {
		t.Fatalf("receive: %v", r.err)
	}
	if r.n != int64(size) || r.sum != [32]byte(h.Sum(nil)) {
		t.Fatalf("received %d bytes with sha256 %x, sent %d with %x", r.n, r.sum, size, h.Sum(nil))
	}
	t.Logf("transferred %d MB through the tunnel in %v", size>>20, time.Since(start).Round(time.Millisecond))
}

// peerMSS connects from the client namespace to the server's tunnel
// address and returns the MSS the server's socket settled on, which is
// bounded by the MSS option of the client's SYN: proof that mssfix
// rewrote it on the way.
func peerMSS(t *testing.T, l *lab.Lab, dst netip.Addr) int {
	t.Helper()
	ln, err := lab.ListenTCP(l.ServerNS, netip.AddrPortFrom(dst, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			accepted <- nil
			return
		}
		accepted <- c
	}()
	c, err := lab.DialTCP(t.Context(), l.ClientNS, ln.Addr().(*net.TCPAddr).AddrPort())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc := <-accepted
	if sc == nil {
		t.Fatal("accept failed")
	}
	defer sc.Close()
	raw, err := sc.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var mss int
	var serr error
	if err := raw.Control(func(fd uintptr) {
		mss, serr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_MAXSEG)
	}); err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	return mss
}
