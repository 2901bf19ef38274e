//go:build linux

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// These tests run cvpn's own engine ("cvpn connect --foreground") against
// the stock openvpn 2.6 server, one lab per matrix cell: the tunnel must
// come up, answer pings, and carry 20 MB over TCP intact.

const transferSize = 20 << 20

// assertCvpnTunnel checks routing, pings and a bulk transfer through the
// tunnel cvpn built.
func assertCvpnTunnel(t *testing.T, l *lab.Lab) {
	t.Helper()
	assertTunnel(t, l)
	transfer(t, l, l.ServerTunIP, transferSize, 0)
}

func TestCvpnConnects(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	tests := []struct {
		name string
		opts lab.ServerOptions
		// logs are substrings cvpn's output must contain.
		logs []string
		// args are extra cvpn arguments; userPass adds --auth-file.
		args     []string
		userPass bool
	}{
		{name: "udp none aes-256-gcm ecdsa", logs: []string{"AES-256-GCM", "keys by tls-ekm"}},
		{name: "udp tls-crypt prf", opts: lab.ServerOptions{Wrap: lab.WrapTLSCrypt}, args: []string{"--no-ekm"}, logs: []string{"keys by prf"}},
		{name: "tcp tls-auth aes-256-cbc sha256 prf", opts: lab.ServerOptions{Proto: lab.TCP, Wrap: lab.WrapTLSAuth, Auth: "SHA256", DataCiphers: []string{"AES-256-CBC"}},
			args: []string{"--no-ekm"}, logs: []string{"AES-256-CBC", "keys by prf"}},
		{name: "user/pass without client cert", opts: lab.ServerOptions{UserPass: true, VerifyClientCert: "none", Wrap: lab.WrapTLSCrypt}, userPass: true},
		{name: "tcp none", opts: lab.ServerOptions{Proto: lab.TCP}, logs: []string{"/tcp AES-256-GCM"}},
		{name: "udp tls-auth sha256", opts: lab.ServerOptions{Wrap: lab.WrapTLSAuth, Auth: "SHA256"}},
		{name: "udp tls-auth-nodir aes-256-cbc sha1", opts: lab.ServerOptions{Wrap: lab.WrapTLSAuthNoDirection, Auth: "SHA1", DataCiphers: []string{"AES-256-CBC"}},
			logs: []string{"AES-256-CBC"}},
		{name: "udp tls-crypt aes-128-gcm ipv6", opts: lab.ServerOptions{Wrap: lab.WrapTLSCrypt, DataCiphers: []string{"AES-128-GCM"}, IPv6: true},
			logs: []string{"AES-128-GCM"}},
		{name: "udp tls-crypt-v2 rsa-4096", opts: lab.ServerOptions{Wrap: lab.WrapTLSCryptV2, KeyType: lab.RSA4096}},
		{name: "udp tls-crypt-v2 force-cookie chacha20", opts: lab.ServerOptions{Wrap: lab.WrapTLSCryptV2, TLSCryptV2ForceCookie: true, DataCiphers: []string{"CHACHA20-POLY1305"}},
			logs: []string{"CHACHA20-POLY1305"}},
		{name: "tcp tls-crypt-v2 rsa-2048", opts: lab.ServerOptions{Proto: lab.TCP, Wrap: lab.WrapTLSCryptV2, KeyType: lab.RSA2048}},
		{name: "stub-v2 120 routes ekm", opts: lab.ServerOptions{Compression: lab.CompressStubV2, PushRoutes: 120, ForceEKM: true}},
		{name: "comp-lzo no", opts: lab.ServerOptions{Compression: lab.CompLZONo}},
		{name: "compress stub ipv6 transport net30", opts: lab.ServerOptions{Compression: lab.CompressStub, TransportIPv6: true, Topology: "net30"}},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			l := lab.NewT(t, lab.Options{Server: tt.opts})
			args := tt.args
			if tt.userPass {
				args = append(args, "--auth-file", l.AuthFile)
			}
			c := startCvpn(t, l, lab.ProfileOptions{}, false, args...)
			assertCvpnTunnel(t, l)
			log := c.Log()
			for _, want := range tt.logs {
				if !strings.Contains(log, want) {
					t.Errorf("cvpn output lacks %q", want)
				}
			}
			// mssfix (on by default: 1492 with encapsulation) keeps
			// the server's segments below 1400 bytes; without it the
			// tunnel's MTU would allow 1460 less options.
			if mss := peerMSS(t, l, l.ServerTunIP); mss > 1400 || mss < 1200 {
				t.Errorf("server-side MSS %d, want at most 1400 (mssfix)", mss)
			}
			checkPushedRoutes(t, l, tt.opts.PushRoutes)
			// Saying goodbye reverts the configuration.
			if err := c.Stop(); err != nil {
				t.Fatal(err)
			}
			if dev, err := lab.RouteDev(t.Context(), l.ClientNS, l.ServerTunIP); err == nil && dev == lab.TunDev {
				t.Errorf("route to %s still via %s after cvpn stopped", l.ServerTunIP, dev)
			}
		})
	}
}

// TestCvpnRenegotiates keeps traffic flowing across at least two
// renegotiations every 10 s, started by the server or by cvpn itself.
func TestCvpnRenegotiates(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	tests := []struct {
		name string
		opts lab.ServerOptions
		po   lab.ProfileOptions
		args []string
		logs []string
	}{
		{name: "server udp tls-crypt", opts: lab.ServerOptions{Wrap: lab.WrapTLSCrypt, RenegSec: 10, KeepaliveInterval: 2},
			logs: []string{"server renegotiates: key 2"}},
		{name: "client tcp prf", opts: lab.ServerOptions{Proto: lab.TCP, KeepaliveInterval: 2},
			po: lab.ProfileOptions{Extra: []string{"reneg-sec 10"}}, args: []string{"--no-ekm"}, logs: []string{"renegotiating: key 2"}},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			l := lab.NewT(t, lab.Options{Server: tt.opts})
			c := startCvpn(t, l, tt.po, false, tt.args...)
			transfer(t, l, l.ServerTunIP, transferSize, 25*time.Second)
			if err := c.WaitFor(t.Context(), "key 2 active"); err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.logs {
				if !strings.Contains(c.Log(), want) {
					t.Errorf("cvpn output lacks %q", want)
				}
			}
			assertTunnel(t, l)
		})
	}
}

func TestCvpnUserPass(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	t.Run("accepted", func(t *testing.T) {
		t.Parallel()
		l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{UserPass: true, AuthGenToken: true, RenegSec: 10,
			// auth-gen-token renews at reneg-sec, which must be at least twice hand-window.
			Extra: []string{"hand-window 5"}}})
		c := startCvpn(t, l, lab.ProfileOptions{}, false, "--auth-file", l.AuthFile)
		assertCvpnTunnel(t, l)
		// The rekey authenticates with the pushed auth-token.
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		if err := c.WaitFor(ctx, "key 1 active"); err != nil {
			t.Fatal(err)
		}
		assertTunnel(t, l)
	})
	t.Run("rejected", func(t *testing.T) {
		t.Parallel()
		l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{UserPass: true}})
		bad := filepath.Join(l.Dir, "wrong-auth.txt")
		user, _ := l.Credentials()
		if err := os.WriteFile(bad, []byte(user+"\nnot-the-password\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		c := startCvpn(t, l, lab.ProfileOptions{}, true, "--auth-file", bad)
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatal("cvpn did not exit after AUTH_FAILED")
		}
		log := c.Log()
		if !strings.Contains(log, "authentication failed") || c.Err() == nil {
			t.Fatalf("want cvpn to fail with an authentication error, got %v:\n%s", c.Err(), log)
		}
		if strings.Contains(log, "\nconnected ") {
			t.Fatal("cvpn connected with a wrong password")
		}
	})
}

// TestCvpnServerRestart restarts the server under a connected cvpn, which
// must reconnect by itself within 15 s.
func TestCvpnServerRestart(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	tests := []struct {
		name  string
		proto lab.Proto
		// exitNotify makes the server send RESTART as it goes down;
		// without it a UDP client only notices by ping-restart.
		exitNotify int
	}{
		{"udp restart message", lab.UDP, 1},
		{"udp ping-restart", lab.UDP, 0},
		{"tcp connection reset", lab.TCP, 0},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{Proto: tt.proto, Wrap: lab.WrapTLSCrypt, ExplicitExitNotify: tt.exitNotify, KeepaliveInterval: 2}})
			c := startCvpn(t, l, lab.ProfileOptions{}, false)
			assertTunnel(t, l)
			start := time.Now()
			if err := l.Server.Restart(t.Context()); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
			defer cancel()
			if err := c.WaitForN(ctx, "connected ", 2); err != nil {
				t.Fatal(err)
			}
			t.Logf("reconnected %v after the restart began", time.Since(start).Round(time.Millisecond))
			assertCvpnTunnel(t, l)
		})
	}
}

// TestCvpnGoodbye checks that stopping cvpn tells the server, which then
// drops the client at once instead of waiting for a ping timeout (the lab
// server has no keepalive here, so nothing else would end the instance).
func TestCvpnGoodbye(t *testing.T) {
	lab.Require(t)
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{ExplicitExitNotify: 1}})
	c := startCvpn(t, l, lab.ProfileOptions{}, false)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := l.Server.WaitFor(ctx, "client-instance exiting"); err != nil {
		t.Fatal(err)
	}
}
