//go:build linux

package e2e

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// These tests prove the lab itself: every server variant the lab generates
// is connected to by Debian's own openvpn client, the reference cvpn must
// match. When one of them fails, the lab is wrong, not cvpn.

// connectStock writes the lab's matching profile and starts the stock client,
// which is up (InitDone) when this returns.
func connectStock(t *testing.T, l *lab.Lab, po lab.ProfileOptions) *lab.Process {
	t.Helper()
	profile := filepath.Join(l.Dir, "client.ovpn")
	if err := l.WriteClientProfile(profile, po); err != nil {
		t.Fatal(err)
	}
	c, err := l.StartStockClient(t.Context(), profile, lab.StockClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// assertTunnel checks that the kernel in the client namespace routes the
// server's tunnel address(es) through the tun device, and that they answer
// pings: the only way to the server's tunnel address is through openvpn.
func assertTunnel(t *testing.T, l *lab.Lab) {
	t.Helper()
	addrs := []netip.Addr{l.ServerTunIP}
	if l.Opts.Server.IPv6 {
		addrs = append(addrs, l.ServerTunIP6)
	}
	for _, a := range addrs {
		dev, err := lab.RouteDev(t.Context(), l.ClientNS, a)
		if err != nil {
			t.Fatal(err)
		}
		if dev != lab.TunDev {
			t.Fatalf("route to %s goes via %q, want %q", a, dev, lab.TunDev)
		}
		if err := lab.Ping(t.Context(), l.ClientNS, a, 3); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStockClientConnects(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	tests := []struct {
		name string
		opts lab.ServerOptions
		// logs are substrings the client log must contain: proof that
		// the option took effect, not merely that a tunnel came up.
		logs []string
	}{
		{
			name: "udp tls-crypt aes-256-gcm ecdsa ipv6",
			opts: lab.ServerOptions{Wrap: lab.WrapTLSCrypt, DataCiphers: []string{"AES-256-GCM"}, IPv6: true},
			logs: []string{"Data Channel: cipher 'AES-256-GCM'", "peer certificate: 256 bits EC"},
		},
		{
			// openvpn does not log the tls-auth digest at verb 3; a
			// digest mismatch would stop the handshake, so the tunnel
			// coming up is the proof.
			name: "udp tls-auth key-direction sha256",
			opts: lab.ServerOptions{Wrap: lab.WrapTLSAuth, Auth: "SHA256"},
		},
		{
			name: "udp tls-auth bidirectional cbc sha1",
			opts: lab.ServerOptions{Wrap: lab.WrapTLSAuthNoDirection, Auth: "SHA1", DataCiphers: []string{"AES-256-CBC"}},
			logs: []string{"Data Channel: cipher 'AES-256-CBC', auth 'SHA1'"},
		},
		{
			name: "tcp no wrapping",
			opts: lab.ServerOptions{Proto: lab.TCP},
			logs: []string{"TCP connection established"},
		},
		{
			name: "udp tls-crypt-v2 rsa-4096",
			opts: lab.ServerOptions{Wrap: lab.WrapTLSCryptV2, KeyType: lab.RSA4096},
			logs: []string{"peer certificate: 4096 bits RSA"},
		},
		{
			name: "udp tls-crypt-v2 force-cookie chacha20",
			opts: lab.ServerOptions{Wrap: lab.WrapTLSCryptV2, TLSCryptV2ForceCookie: true, DataCiphers: []string{"CHACHA20-POLY1305"}},
			logs: []string{"Data Channel: cipher 'CHACHA20-POLY1305'"},
		},
		{
			name: "user/pass with auth-gen-token and rsa-2048",
			opts: lab.ServerOptions{UserPass: true, AuthGenToken: true, KeyType: lab.RSA2048},
			logs: []string{"auth-token", "peer certificate: 2048 bits RSA"},
		},
		{
			name: "user/pass without client certificate",
			opts: lab.ServerOptions{UserPass: true, VerifyClientCert: "none", Wrap: lab.WrapTLSCrypt},
		},
		{
			name: "stub-v2 120 routes ekm reneg keepalive",
			opts: lab.ServerOptions{Compression: lab.CompressStubV2, PushRoutes: 120, ForceEKM: true,
				RenegSec: 60, KeepaliveInterval: 10, ExplicitExitNotify: 1},
			logs: []string{"compression: 'stubv2'", "push-continuation 1", "tls-ekm", "ping 10,ping-restart 40"},
		},
		{
			name: "comp-lzo no",
			opts: lab.ServerOptions{Compression: lab.CompLZONo},
			logs: []string{"PUSH_REPLY,comp-lzo no"},
		},
		{
			name: "compress stub over ipv6 transport net30",
			opts: lab.ServerOptions{Compression: lab.CompressStub, TransportIPv6: true, Topology: "net30"},
			logs: []string{"compression: 'stub'", "link remote: [AF_INET6]", "topology net30"},
		},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			l := lab.NewT(t, lab.Options{Server: tt.opts})
			c := connectStock(t, l, lab.ProfileOptions{})
			assertTunnel(t, l)
			log := c.Log()
			for _, want := range tt.logs {
				if !strings.Contains(log, want) {
					t.Errorf("client log lacks %q", want)
				}
			}
			checkPushedRoutes(t, l, tt.opts.PushRoutes)
		})
	}
}

// TestStockClientRefused proves the negative identities and credentials the
// lab offers are really refused, so negative cvpn tests can rely on them.
func TestStockClientRefused(t *testing.T) {
	lab.Require(t)
	t.Parallel()
	tests := []struct {
		name      string
		opts      lab.ServerOptions
		cert      lab.ClientCert
		badPass   bool
		serverLog string // "" when the client log says it
		clientLog string
	}{
		{name: "revoked certificate", cert: lab.CertRevoked, serverLog: "certificate revoked"},
		{name: "expired certificate", cert: lab.CertExpired, serverLog: "certificate has expired"},
		{name: "wrong password", opts: lab.ServerOptions{UserPass: true}, badPass: true, clientLog: "AUTH_FAILED"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			l := lab.NewT(t, lab.Options{Server: tt.opts})
			profile := filepath.Join(l.Dir, "client.ovpn")
			if err := l.WriteClientProfile(profile, lab.ProfileOptions{Cert: tt.cert}); err != nil {
				t.Fatal(err)
			}
			o := lab.StockClientOptions{NoWait: true}
			if tt.badPass {
				o.AuthFile = filepath.Join(l.Dir, "wrong-auth.txt")
				user, _ := l.Credentials()
				if err := os.WriteFile(o.AuthFile, []byte(user+"\nnot-the-password\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			c, err := l.StartStockClient(t.Context(), profile, o)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
			defer cancel()
			if tt.serverLog != "" {
				err = l.Server.WaitFor(ctx, tt.serverLog)
			} else {
				err = c.WaitFor(ctx, tt.clientLog)
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(c.Log(), lab.InitDone) {
				t.Fatalf("client connected, want it refused")
			}
		})
	}
}

// TestServerRestartReconnect proves Restart: the server says goodbye
// (explicit-exit-notify), comes back on the same address, and the stock
// client reconnects and passes traffic again.
func TestServerRestartReconnect(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{
		Wrap: lab.WrapTLSCrypt, ExplicitExitNotify: 1, KeepaliveInterval: 2, UserPass: true, AuthGenToken: true,
	}})
	c := connectStock(t, l, lab.ProfileOptions{})
	assertTunnel(t, l)
	if err := l.Server.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := c.WaitForN(ctx, lab.InitDone, 2); err != nil {
		t.Fatal(err)
	}
	assertTunnel(t, l)
}

// checkPushedRoutes checks that the client namespace has exactly the n extra
// 172.x routes the lab server pushes, all via the tunnel device.
func checkPushedRoutes(t *testing.T, l *lab.Lab, n int) {
	t.Helper()
	if n == 0 {
		return
	}
	routes, err := lab.Routes(t.Context(), l.ClientNS, lab.TunDev)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, r := range routes {
		if strings.HasPrefix(r, "172.") {
			got++
		}
	}
	if got != n {
		t.Errorf("client has %d pushed 172.x routes via %s, want %d", got, lab.TunDev, n)
	}
}
