//go:build linux

// Package lab builds a disposable VPN test network: two network namespaces
// joined by a veth pair, a throw-away PKI, and Debian's stock openvpn server
// configured from typed options. Every cvpn end-to-end test, benchmark and
// `make demo` runs against it, so cvpn is always measured against the
// reference implementation rather than against itself.
//
//	 netns cvpn-lab-N-cli                     netns cvpn-lab-N-srv
//	┌──────────────────────────┐             ┌──────────────────────────┐
//	│ cvpn or stock openvpn    │             │ stock openvpn server     │
//	│                          │   tunnel    │ udp6/tcp6 [::]:1194      │
//	│ tun0  198.19.N.x ════════╪═════════════╪═══ tun0  198.19.N.1/24   │
//	│       fd63:..:1NN::x     │             │     fd63:7670:6e00:1NN::1│
//	│                          │    veth     │                          │
//	│ veth-cli 198.18.N.2 ─────┼─────────────┼── veth-srv 198.18.N.1/24 │
//	│   fd63:7670:6e00:N::2    │             │   fd63:7670:6e00:N::1/64 │
//	│ lo up                    │             │ lo up                    │
//	└──────────────────────────┘             └──────────────────────────┘
//	 root namespace: untouched (no interfaces, routes or addresses added)
//
// N (1..250) is allocated per lab with a lock file in /run/cvpn-lab, so labs
// in different test packages run in parallel. A lab whose owner died is
// reaped when the next lab is allocated. See Addressing for the full plan.
//
// Two faces: New/Close for programs (cvpn-lab, benchmarks), and NewT for
// tests, which adds prerequisite checks (Require) and cleanup. This package
// is test infrastructure and must never be imported by product code.
package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// StartTimeout bounds how long New, StartServer and StartStockClient wait for
// openvpn to come up when ctx has no earlier deadline. A healthy start takes
// well under a second; the margin is for loaded CI machines.
const StartTimeout = 30 * time.Second

// closeGrace is how long Close lets processes exit after SIGTERM.
const closeGrace = 300 * time.Millisecond

// Options configure a lab.
type Options struct {
	Server ServerOptions
	// NoStart builds the network, PKI and config but leaves the server
	// stopped; call StartServer (e.g. after editing the config file).
	NoStart bool
	// NoSignalHook is for callers that handle SIGINT/SIGTERM themselves
	// and promise to call Close. Without it, the first lab installs a hook
	// that tears down all hooked labs and exits.
	NoSignalHook bool
	// Logf receives progress lines; nil discards them.
	Logf func(format string, args ...any)
}

// Lab is one running lab. Its exported fields are fixed after New.
type Lab struct {
	Addressing
	// Opts are the options in effect, with defaults filled in (including
	// the generated password when Server.UserPass is set).
	Opts Options
	// Dir is the lab's private temp dir (0700): config, keys, logs.
	Dir string
	PKI *PKI
	// ServerConfigPath is the generated server.conf.
	ServerConfigPath string
	// Server is the stock openvpn server; nil until started.
	Server *Process
	// AuthFile holds the username and password (one per line), the form
	// openvpn's --auth-user-pass FILE reads; "" without Server.UserPass.
	AuthFile string

	clientWrapKey []byte
	lockPath      string

	mu      sync.Mutex
	clients []*Process
	relays  []*Relay
	started int // stock clients started, for unique default names

	closeOnce sync.Once
	closeErr  error
}

// New builds a lab and, unless opts.NoStart, starts its server. On error
// everything built so far is torn down again.
func New(ctx context.Context, opts Options) (_ *Lab, err error) {
	if err := Prerequisites(); err != nil {
		return nil, fmt.Errorf("new lab: %w", err)
	}
	opts.Server = opts.Server.withDefaults()
	if opts.Server.UserPass && opts.Server.Password == "" {
		opts.Server.Password = randomHex(12)
	}
	if err := opts.Server.Validate(); err != nil {
		return nil, fmt.Errorf("new lab: %w", err)
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	dir, err := os.MkdirTemp("", "cvpn-lab-*")
	if err != nil {
		return nil, fmt.Errorf("new lab: %w", err)
	}
	n, lock, err := defaultSpace().allocate(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("new lab: %w", err)
	}
	a, err := AddressingFor(n)
	if err != nil {
		os.Remove(lock)
		os.RemoveAll(dir)
		return nil, fmt.Errorf("new lab: %w", err)
	}
	l := &Lab{Addressing: a, Opts: opts, Dir: dir, lockPath: lock}
	if !opts.NoSignalHook {
		hookSignals(l)
	}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	start := time.Now()
	if err := setupNetwork(ctx, a); err != nil {
		return nil, fmt.Errorf("new lab %d: %w", n, err)
	}
	if err := l.writeServerFiles(ctx); err != nil {
		return nil, fmt.Errorf("new lab %d: %w", n, err)
	}
	opts.Logf("lab %d: namespaces %s/%s, pki %s, dir %s (%v)", n, a.ServerNS, a.ClientNS, opts.Server.KeyType, dir, time.Since(start).Round(time.Millisecond))
	if !opts.NoStart {
		if err := l.StartServer(ctx); err != nil {
			return nil, fmt.Errorf("new lab %d: %w", n, err)
		}
	}
	return l, nil
}

// writeServerFiles issues the PKI, generates the static keys the options
// need and writes the server config.
func (l *Lab) writeServerFiles(ctx context.Context) error {
	o := l.Opts.Server
	pki, err := NewPKI(o.KeyType)
	if err != nil {
		return err
	}
	l.PKI = pki
	f := serverFiles{
		CA:     l.path("ca.crt"),
		Cert:   l.path("server.crt"),
		Key:    l.path("server.key"),
		CRL:    l.path("crl.pem"),
		TmpDir: l.path("tmp"),
	}
	for _, w := range []struct {
		path string
		data []byte
	}{{f.CA, pki.CA.CertPEM}, {f.Cert, pki.Server.CertPEM}, {f.Key, pki.Server.KeyPEM}, {f.CRL, pki.CRLPEM}} {
		if err := os.WriteFile(w.path, w.data, 0o600); err != nil {
			return fmt.Errorf("write pki: %w", err)
		}
	}
	if err := os.Mkdir(f.TmpDir, 0o700); err != nil {
		return fmt.Errorf("make tmp dir: %w", err)
	}

	switch o.Wrap {
	case WrapTLSAuth, WrapTLSAuthNoDirection, WrapTLSCrypt:
		f.WrapKey = l.path("wrap.key")
		if err := genKey(ctx, "--genkey", "secret", f.WrapKey); err != nil {
			return err
		}
		l.clientWrapKey, err = os.ReadFile(f.WrapKey)
	case WrapTLSCryptV2:
		f.WrapKey = l.path("tls-crypt-v2-server.key")
		client := l.path("tls-crypt-v2-client.key")
		if err := genKey(ctx, "--genkey", "tls-crypt-v2-server", f.WrapKey); err != nil {
			return err
		}
		if err := genKey(ctx, "--tls-crypt-v2", f.WrapKey, "--genkey", "tls-crypt-v2-client", client); err != nil {
			return err
		}
		l.clientWrapKey, err = os.ReadFile(client)
	}
	if err != nil {
		return fmt.Errorf("read wrap key: %w", err)
	}
	if o.AuthGenToken {
		f.AuthTokenSecret = l.path("auth-token.key")
		if err := genKey(ctx, "--genkey", "auth-token", f.AuthTokenSecret); err != nil {
			return err
		}
	}
	if o.UserPass {
		creds := []byte(o.Username + "\n" + o.Password + "\n")
		l.AuthFile = l.path("auth.txt")
		expected := l.path("expected-credentials")
		f.VerifyScript = l.path("verify-user-pass.sh")
		if err := errors.Join(
			os.WriteFile(l.AuthFile, creds, 0o600),
			os.WriteFile(expected, creds, 0o600),
			os.WriteFile(f.VerifyScript, []byte(verifyScript(expected)), 0o700),
		); err != nil {
			return fmt.Errorf("write user/pass files: %w", err)
		}
	}

	conf, err := serverConfig(o, l.Addressing, f)
	if err != nil {
		return err
	}
	l.ServerConfigPath = l.path("server.conf")
	if err := os.WriteFile(l.ServerConfigPath, []byte(conf), 0o600); err != nil {
		return fmt.Errorf("write server config: %w", err)
	}
	return nil
}

// StartServer starts the stock server and waits until it is listening.
func (l *Lab) StartServer(ctx context.Context) error {
	if l.Server != nil {
		return errors.New("start server: already started (use Server.Restart)")
	}
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	p, err := StartProcess("server", l.ServerNS, l.path("server.log"),
		[]string{OpenVPN, "--config", l.ServerConfigPath})
	if err != nil {
		return err
	}
	l.Server = p
	if err := p.WaitFor(ctx, InitDone); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	l.Opts.Logf("lab %d: server up (%s %s, %s:%d)", l.Index, l.Opts.Server.Proto, l.Opts.Server.Wrap, l.ServerLinkIP, l.Opts.Server.Port)
	return nil
}

// StockClientOptions tune StartStockClient.
type StockClientOptions struct {
	// Name names the log file (Name.log in the lab dir); default
	// "stock-client-K".
	Name string
	// AuthFile is passed as --auth-user-pass; default the lab's AuthFile.
	AuthFile string
	// Args are extra openvpn command-line options.
	Args []string
	// NoWait returns as soon as the process runs instead of waiting for
	// InitDone, for tests that expect the connection to fail.
	NoWait bool
}

// StartStockClient runs Debian's openvpn as a client with profilePath in the
// client namespace and waits until its tunnel is up. DCO is disabled so the
// client behaves the same on every machine. The lab stops it on Close.
func (l *Lab) StartStockClient(ctx context.Context, profilePath string, o StockClientOptions) (*Process, error) {
	l.mu.Lock()
	l.started++
	if o.Name == "" {
		o.Name = fmt.Sprintf("stock-client-%d", l.started)
	}
	l.mu.Unlock()
	if o.AuthFile == "" {
		o.AuthFile = l.AuthFile
	}
	argv := []string{OpenVPN, "--config", profilePath, "--disable-dco"}
	if o.AuthFile != "" {
		argv = append(argv, "--auth-user-pass", o.AuthFile)
	}
	argv = append(argv, o.Args...)
	p, err := StartProcess(o.Name, l.ClientNS, l.path(o.Name+".log"), argv)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.clients = append(l.clients, p)
	l.mu.Unlock()
	if o.NoWait {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	if err := p.WaitFor(ctx, InitDone); err != nil {
		p.Stop()
		return nil, fmt.Errorf("start stock client: %w", err)
	}
	return p, nil
}

// Credentials returns the username and password the server accepts (empty
// without Server.UserPass).
func (l *Lab) Credentials() (username, password string) {
	return l.Opts.Server.Username, l.Opts.Server.Password
}

// Processes returns the server (if started) and every stock client, for
// dumping their logs when a test fails.
func (l *Lab) Processes() []*Process {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ps []*Process
	if l.Server != nil {
		ps = append(ps, l.Server)
	}
	return append(ps, l.clients...)
}

// Close stops all processes, deletes both namespaces (which destroys the
// veth pair and tun devices), removes the temp dir and releases the index.
// It is safe to call more than once and from the signal hook.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() {
		unhookSignals(l)
		l.mu.Lock()
		relays := l.relays
		l.mu.Unlock()
		for _, r := range relays {
			_ = r.Close()
		}
		// Teardown does not wait out openvpn's goodbyes (explicit-exit-notify
		// holds a process for ~2 s); tests that care call Stop themselves.
		procs := l.Processes()
		errs := make([]error, len(procs))
		var wg sync.WaitGroup
		for i, p := range procs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = p.stop(closeGrace)
			}()
		}
		wg.Wait()
		for _, ns := range []string{l.ClientNS, l.ServerNS} {
			if err := destroyNamespace(ns); err != nil {
				errs = append(errs, err)
			}
		}
		if err := os.RemoveAll(l.Dir); err != nil {
			errs = append(errs, fmt.Errorf("remove lab dir: %w", err))
		}
		if err := os.Remove(l.lockPath); err != nil {
			errs = append(errs, fmt.Errorf("release lab index: %w", err))
		}
		if err := errors.Join(errs...); err != nil {
			l.closeErr = fmt.Errorf("close lab %d: %w", l.Index, err)
		}
	})
	return l.closeErr
}

func (l *Lab) path(name string) string { return filepath.Join(l.Dir, name) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
