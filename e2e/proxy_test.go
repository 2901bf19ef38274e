//go:build linux

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// TestCvpnThroughProxy connects cvpn to the stock server through Debian's
// tinyproxy (HTTP CONNECT with Basic authentication) and danted (SOCKS5).
// The server listens on an address the client namespace cannot reach, so
// the same profile without its proxy lines must fail: the tunnel can only
// have come through the proxy. SOCKS username/password is covered against
// an in-process fake in openvpn/transport/proxy, because dante checks it
// against system accounts, which a test must not create.
func TestCvpnThroughProxy(t *testing.T) {
	lab.Require(t, "ping", lab.Tinyproxy, lab.Danted)
	t.Parallel()
	const user, pass = "proxyuser", "proxy-pw-5f3c9a"
	tests := []struct {
		name string
		// lines are the profile's proxy lines; %s is the proxy's
		// address, %d its port.
		lines []string
		socks bool
		udp   bool
		// proxyLog must appear in the proxy's log.
		proxyLog string
		// connects is how many CONNECTs tinyproxy must log: 'auto'
		// first asks without credentials and gets a 407, as OpenVPN.
		connects int
	}{
		{name: "http basic inline", lines: []string{
			"http-proxy %s %d stdin basic",
			"http-proxy-option VERSION 1.1",
			"http-proxy-option AGENT cvpn-e2e",
			"<http-proxy-user-pass>\n" + user + "\n" + pass + "\n</http-proxy-user-pass>",
		}, proxyLog: "Established connection to host \"" + lab.HiddenServerIP.String() + "\"", connects: 1},
		{name: "http auto after 407", lines: []string{
			"http-proxy %s %d auto",
			"<http-proxy-user-pass>\n" + user + "\n" + pass + "\n</http-proxy-user-pass>",
		}, proxyLog: "Established connection to host \"" + lab.HiddenServerIP.String() + "\"", connects: 2},
		{name: "socks5 no auth", socks: true, lines: []string{"socks-proxy %s %d"}, proxyLog: "tcp/connect"},
		{name: "socks5 udp associate", socks: true, udp: true, lines: []string{"socks-proxy %s %d"}, proxyLog: "udp/udpassociate"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			proto := lab.TCP
			if tt.udp {
				proto = lab.UDP
			}
			l := lab.NewT(t, lab.Options{NoStart: true, Server: lab.ServerOptions{Proto: proto, Extra: lab.HiddenServerExtra(proto)}})
			ctx := t.Context()
			if err := l.AddServerAddress(ctx, lab.HiddenServerIP); err != nil {
				t.Fatal(err)
			}
			if err := l.StartServer(ctx); err != nil {
				t.Fatal(err)
			}
			var (
				px  *lab.Process
				err error
			)
			if tt.socks {
				px, _, err = l.StartSOCKSProxy(ctx)
			} else {
				px, _, err = l.StartHTTPProxy(ctx, lab.HTTPProxyOptions{Username: user, Password: pass})
			}
			if err != nil {
				t.Fatal(err)
			}
			port := lab.HTTPProxyPort
			if tt.socks {
				port = lab.SOCKSProxyPort
			}

			base, err := l.ClientProfile(lab.ProfileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			linkRemote := fmt.Sprintf("remote %s %d %s\n", l.ServerLinkIP, l.Opts.Server.Port, proto)
			hidden := fmt.Sprintf("remote %s %d %s\n", lab.HiddenServerIP, l.Opts.Server.Port, proto)
			if !strings.Contains(base, linkRemote) {
				t.Fatalf("profile lacks %q:\n%s", linkRemote, base)
			}
			direct := strings.Replace(base, linkRemote, hidden, 1)

			// Without the proxy the same remote is out of reach.
			directPath := filepath.Join(l.Dir, "direct.ovpn")
			if err := os.WriteFile(directPath, []byte(direct+"connect-retry-max 1\nconnect-timeout 5\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			c := startCvpnFile(t, l, directPath, true)
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			select {
			case <-c.Done():
			case <-dctx.Done():
				t.Fatal("cvpn did not give up on the unreachable direct remote")
			}
			cancel()
			if log := c.Log(); strings.Contains(log, "\nconnected ") || c.Err() == nil || !strings.Contains(log, "unreachable") {
				t.Fatalf("direct connection: want cvpn to fail as unreachable, got %v:\n%s", c.Err(), log)
			}

			// Through the proxy.
			var lines []string
			for _, ln := range tt.lines {
				if strings.Contains(ln, "%d") {
					ln = fmt.Sprintf(ln, l.ServerLinkIP, port)
				}
				lines = append(lines, ln)
			}
			proxiedPath := filepath.Join(l.Dir, "proxied.ovpn")
			if err := os.WriteFile(proxiedPath, []byte(direct+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			c = startCvpnFile(t, l, proxiedPath, false)
			assertTunnel(t, l)
			transfer(t, l, l.ServerTunIP, 4<<20, 0)
			log := c.Log()
			via := fmt.Sprintf("through the %s proxy %s:%d", map[bool]string{false: "http", true: "socks5"}[tt.socks], l.ServerLinkIP, port)
			if !strings.Contains(log, via) {
				t.Errorf("cvpn output lacks %q", via)
			}
			if strings.Contains(log, pass) {
				t.Error("cvpn output shows the proxy password")
			}
			if !strings.Contains(px.Log(), tt.proxyLog) {
				t.Errorf("%s log lacks %q:\n%s", px.Name, tt.proxyLog, px.LogTail(20))
			}
			if n := strings.Count(px.Log(), "]: Request (file descriptor"); tt.connects > 0 && n != tt.connects {
				t.Errorf("tinyproxy saw %d requests, want %d", n, tt.connects)
			}
			if err := c.Stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
