//go:build linux

package lab

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
)

// Proxies for the proxy tests: Debian's tinyproxy (HTTP CONNECT, Basic
// authentication) and dante's danted (SOCKS5), run in the server namespace
// with config files in the lab dir. To prove that only the proxy gets
// through, the server listens on HiddenServerIP, an address on the server
// namespace's lo that the client namespace has no route to:
//
//	netns …-cli                     netns …-srv
//	cvpn ──▶ 198.18.N.1:3128 ──────▶ tinyproxy ──▶ 192.0.2.1:1194 openvpn (lo)
//	     ──▶ 198.18.N.1:1080 ──────▶ danted    ──▶
//	     ──▶ 192.0.2.1:1194  ✗ network unreachable

// HiddenServerIP is the address HiddenServerExtra makes the server listen
// on (TEST-NET-1; it exists only inside the server namespace).
var HiddenServerIP = netip.MustParseAddr("192.0.2.1")

// Proxy ports, on the server's link address.
const (
	HTTPProxyPort  = 3128
	SOCKSProxyPort = 1080
)

// Programs the proxy tests need (see scripts/install-deps.sh).
const (
	Tinyproxy = "tinyproxy"
	Danted    = "danted"
)

// HiddenServerExtra are ServerOptions.Extra lines that make a server with
// transport proto listen on HiddenServerIP only. Start the lab with
// NoStart, call AddServerAddress(ctx, HiddenServerIP), then StartServer.
func HiddenServerExtra(proto Proto) []string {
	p := "tcp4-server"
	if proto == UDP {
		p = "udp4"
	}
	return []string{"proto " + p, "local " + HiddenServerIP.String()}
}

// AddServerAddress adds addr as a host address on the server namespace's lo.
func (l *Lab) AddServerAddress(ctx context.Context, addr netip.Addr) error {
	if _, err := Exec(ctx, l.ServerNS, "ip", "addr", "add", netip.PrefixFrom(addr, addr.BitLen()).String(), "dev", "lo"); err != nil {
		return fmt.Errorf("add server address: %w", err)
	}
	return nil
}

// HTTPProxyOptions configure StartHTTPProxy.
type HTTPProxyOptions struct {
	// Username and Password, when set, are required as Basic
	// authentication (tinyproxy's BasicAuth).
	Username, Password string
}

// StartHTTPProxy runs tinyproxy in the server namespace on the server's
// link address, port HTTPProxyPort, allowing CONNECT to the server's port
// only, and waits until it accepts connections. The lab stops it on Close.
func (l *Lab) StartHTTPProxy(ctx context.Context, o HTTPProxyOptions) (*Process, netip.AddrPort, error) {
	addr := netip.AddrPortFrom(l.ServerLinkIP, HTTPProxyPort)
	if strings.ContainsAny(o.Username+o.Password, " \t\r\n\"") {
		return nil, addr, fmt.Errorf("start http proxy: credentials must be single words")
	}
	conf := []string{
		fmt.Sprintf("Port %d", HTTPProxyPort),
		"Listen " + l.ServerLinkIP.String(),
		"Timeout 60",
		"MaxClients 20",
		"LogLevel Info",
		fmt.Sprintf("ConnectPort %d", l.Opts.Server.Port),
		"DisableViaHeader Yes",
	}
	if o.Username != "" {
		conf = append(conf, "BasicAuth "+o.Username+" "+o.Password)
	}
	// -d keeps it in the foreground, logging to stderr.
	p, err := l.startProxy(ctx, "tinyproxy", "Starting main loop", conf, func(path string) []string {
		return []string{Tinyproxy, "-d", "-c", path}
	})
	return p, addr, err
}

// StartSOCKSProxy runs danted in the server namespace on the server's link
// address, port SOCKSProxyPort, without authentication (dante's username
// method checks system accounts, which a test must not create), and waits
// until it runs. The lab stops it on Close.
func (l *Lab) StartSOCKSProxy(ctx context.Context) (*Process, netip.AddrPort, error) {
	addr := netip.AddrPortFrom(l.ServerLinkIP, SOCKSProxyPort)
	conf := []string{
		"logoutput: stderr",
		fmt.Sprintf("internal: %s port = %d", l.ServerLinkIP, SOCKSProxyPort),
		"external: lo",
		"clientmethod: none",
		"socksmethod: none",
		"user.privileged: root",
		"user.unprivileged: nobody",
		"client pass {\n\tfrom: 0.0.0.0/0 to: 0.0.0.0/0\n\tlog: connect error\n}",
		"socks pass {\n\tfrom: 0.0.0.0/0 to: 0.0.0.0/0\n\tcommand: connect udpassociate\n\tlog: connect error\n}",
		// Datagrams coming back from the server to the relay.
		"socks pass {\n\tfrom: 0.0.0.0/0 to: 0.0.0.0/0\n\tcommand: udpreply\n\tlog: connect error\n}",
	}
	p, err := l.startProxy(ctx, "danted", "running", conf, func(path string) []string {
		// One child process is plenty; the pid file stays in the lab dir.
		return []string{Danted, "-f", path, "-p", l.path("danted.pid"), "-N", "1"}
	})
	return p, addr, err
}

// startProxy writes conf to NAME.conf, runs argv(conf path) in the server
// namespace and waits for ready in its log.
func (l *Lab) startProxy(ctx context.Context, name, ready string, conf []string, argv func(string) []string) (*Process, error) {
	path := l.path(name + ".conf")
	if err := os.WriteFile(path, []byte(strings.Join(conf, "\n")+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	args := argv(path)
	if _, err := exec.LookPath(args[0]); err != nil {
		return nil, fmt.Errorf("start %s: %w (apt-get install tinyproxy dante-server, or scripts/install-deps.sh test)", name, err)
	}
	p, err := StartProcess(name, l.ServerNS, l.path(name+".log"), args)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.clients = append(l.clients, p)
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	if err := p.WaitFor(ctx, ready); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	l.Opts.Logf("lab %d: %s up", l.Index, name)
	return p, nil
}
