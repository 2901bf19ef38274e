package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/userguard"
	"github.com/cvpn/cvpn/tunnel"
	"github.com/cvpn/cvpn/usersession"
)

func connectCommand() *command {
	return &command{
		name:    "connect",
		args:    "PROFILE [--remember] [--auth-file FILE] [--no-reconnect] [--log-level LEVEL] [--foreground [--state-dir DIR]] [--dev NAME] [--enforce-routes] [--verbose]",
		summary: "connect with a profile (a stored profile's name, or a file) through the cvpn service; --foreground runs the tunnel in this process until Ctrl-C",
		run:     (*app).connect,
		flags:   flagsOf(newConnectFlags),
	}
}

// connectFlags are connect's options, shared by both modes.
type connectFlags struct {
	foreground, remember, forget, verbose, debug, noEKM, json bool
	enforceRoutes, noReconnect                                bool
	authFile, devName, stateDir, browser, logLevel            string
	timeout                                                   time.Duration
}

func newConnectFlags() (*flag.FlagSet, *connectFlags) {
	f := new(connectFlags)
	fs := flag.NewFlagSet("connect", flag.ContinueOnError)
	fs.BoolVar(&f.foreground, "foreground", false, "run the tunnel in this process (as root) instead of through the cvpn service, until Ctrl-C")
	fs.BoolVar(&f.remember, "remember", false, "save the username and password in the keyring once the connection works")
	fs.BoolVar(&f.forget, "forget", false, "delete saved credentials for the profile first, and ask again")
	fs.StringVar(&f.authFile, "auth-file", "", "read the username and password from `FILE` (two lines) instead of asking")
	fs.StringVar(&f.devName, "dev", "", "name the tun device `NAME` (default: the profile's dev, or cvpnN)")
	fs.StringVar(&f.browser, "browser", "", "open sign-in pages with `COMMAND` (the address is its last argument) instead of the browser in cvpn settings, $CVPN_BROWSER or the default")
	fs.BoolVar(&f.verbose, "verbose", false, "show what the engine and the network configuration do")
	fs.BoolVar(&f.debug, "debug", false, "with --foreground, log every control packet (implies --verbose)")
	fs.DurationVar(&f.timeout, "timeout", 0, "give up (and disconnect) if not connected within `DURATION`, e.g. 60s; 0 waits until Ctrl-C")
	fs.BoolVar(&f.json, "json", false, "once connected, print the tunnel's status as JSON (progress goes to stderr)")
	fs.BoolVar(&f.enforceRoutes, "enforce-routes", false, "put the tunnel's routes and DNS settings back when another program removes or changes them (without it, such changes are only reported)")
	fs.BoolVar(&f.noReconnect, "no-reconnect", false, "end the tunnel when its connection drops instead of reconnecting (overrides the auto-reconnect setting, not the administrator's policy)")
	fs.StringVar(&f.logLevel, "log-level", "", "log the tunnel at `LEVEL`, info or debug, in the service's connection log (overrides the log-level setting, not the administrator's policy; --foreground has --debug)")
	fs.BoolVar(&f.noEKM, "no-ekm", false, "diagnostic: derive data keys with OpenVPN's PRF, never TLS-EKM")
	fs.StringVar(&f.stateDir, "state-dir", "", "with --foreground, keep crash-recovery records in `DIR` (default $CVPN_STATE_DIR, else the service's)")
	return fs, f
}

func (a *app) connect(args []string) int {
	const synopsis = "connect PROFILE [--remember] [--forget] [--auth-file FILE] [--json] [--timeout D] [--no-reconnect] [--log-level LEVEL] [--foreground] [--dev NAME] [--enforce-routes] [--verbose]"
	fs, fp := newConnectFlags()
	pos, code, ok := a.parseFlags(fs, args, synopsis, 1)
	if !ok {
		return code
	}
	f := *fp
	if f.logLevel != "" {
		if err := usersession.ValidLogLevel(f.logLevel); err != nil {
			fmt.Fprintf(a.stderr, "cvpn connect: --log-level: %v\n", err)
			return exitUsage
		}
	}
	prof, err := a.loadProfile(pos[0])
	if err != nil {
		return a.fail("connect", err)
	}
	for _, w := range prof.Warnings {
		fmt.Fprintf(a.stderr, "warning: %s\n", w)
	}
	if f.foreground {
		return a.connectForeground(prof, f)
	}
	return a.connectService(prof, f)
}

// connectForeground runs the tunnel manager in this process: for headless
// machines, scripts and tests.
func (a *app) connectForeground(prof *profile.Profile, f connectFlags) int {
	if runtime.GOOS != "linux" {
		fmt.Fprintf(a.stderr, "cvpn connect: --foreground is only implemented on Linux so far\n")
		return exitError
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(a.stderr, "cvpn connect: creating the tun device and setting routes needs root; run it with sudo, or connect through the cvpn service without --foreground")
		return exitError
	}
	// Without a terminal or an auth file nobody can answer, and the engine
	// says so (ErrNoCredentials) — unless the profile signs in through the
	// browser, which needs neither.
	var prompter openvpn.Prompter
	if f.authFile != "" || isTerminal(os.Stdin) || prof.Auth.Federated {
		prompter = a.foregroundPrompter(prof, f)
	}
	defer startCPUProfile(a.stderr)()
	logf := func(format string, args ...any) {}
	if f.verbose || f.debug {
		logf = func(format string, args ...any) { fmt.Fprintf(a.stderr, "  "+format+"\n", args...) }
	}
	stateDir := f.stateDir
	if stateDir == "" {
		stateDir = service.StateDir()
	}
	cfg := tunnel.Config{Version: "cvpn " + version, Logf: logf, StateDir: stateDir,
		Guard: func(ctx context.Context) error { return userguard.Check(ctx, userguard.NewSystemSource()) }}
	if f.debug {
		cfg.Debugf = logf
	}
	m := tunnel.NewManager(cfg)
	// Undo what a killed run (this command's or the service's) left behind
	// before adding anything: a stale bypass route would otherwise be taken
	// for the system's own and survive this run too.
	recovered, err := m.Recover()
	for _, line := range recovered {
		fmt.Fprintf(a.stdout, "recovered: %s\n", line)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "warning: %v\n", err)
	}
	events, stop := m.Subscribe()
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	noReconnect, _ := a.connectPrefs(f)
	t, err := m.Connect(ctx, tunnel.Request{Profile: prof, Device: f.devName, Prompter: prompter, NoKeyExport: f.noEKM, Owner: os.Getuid(),
		EnforceRoutes: f.enforceRoutes, WebAuth: prompter != nil, NoReconnect: noReconnect})
	if err != nil {
		return a.fail("connect", err)
	}
	go m.WatchGuard(ctx, 5*time.Second)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	fmt.Fprintf(a.stdout, "%s: device %s\n", prof.Name, t.Status().Device)
	signals := 0
	for {
		select {
		case tev := <-events:
			ev := service.APIEvent(tev)
			if line := eventLine(&ev); line != "" {
				fmt.Fprintln(a.stdout, line)
			}
		case <-sigs:
			signals++
			if signals == 1 {
				fmt.Fprintln(a.stdout, "disconnecting")
				go t.Disconnect(ctx, "")
			} else {
				cancel() // a second Ctrl-C: stop without waiting for the server
			}
			continue
		case <-t.Done():
		}
		if isDone(t) {
			break
		}
	}
	for len(events) > 0 { // what happened last, e.g. the final state
		ev := service.APIEvent(<-events)
		if line := eventLine(&ev); line != "" {
			fmt.Fprintln(a.stdout, line)
		}
	}
	if err := t.Err(); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(a.stderr, "cvpn connect: %s\n", advice(err))
		return exitError
	}
	return exitOK
}

// foregroundPrompter answers the engine's prompts the way connect through
// the service does, minus the keyring: this runs as root, whose keyring is
// not the user's. The engine's prompt takes its API form first, so one
// Asker serves both modes.
func (a *app) foregroundPrompter(prof *profile.Profile, f connectFlags) openvpn.Prompter {
	x := a.answerer(prof, f)
	x.NoKeyring = true
	return openvpn.PrompterFunc(func(ctx context.Context, req *openvpn.Prompt) (*openvpn.Answer, error) {
		p := service.DescribePrompt(prof, req)
		got, err := x.Answer(ctx, &p)
		if err != nil {
			return nil, err
		}
		return &openvpn.Answer{Username: got.Username, Password: got.Password, Response: got.Response}, nil
	})
}

func isDone(t *tunnel.Tunnel) bool {
	select {
	case <-t.Done():
		return true
	default:
		return false
	}
}

// loadProfile parses PROFILE as a file if one exists by that name, else
// looks it up in the store.
func (a *app) loadProfile(arg string) (*profile.Profile, error) {
	if st, err := os.Stat(arg); err == nil && !st.IsDir() {
		return profile.ParseFile(arg)
	}
	if strings.ContainsRune(arg, os.PathSeparator) || strings.HasSuffix(arg, ".ovpn") {
		return nil, fmt.Errorf("profile file %s: %w", arg, os.ErrNotExist)
	}
	s, err := a.store()
	if err != nil {
		return nil, err
	}
	p, _, err := s.Get(arg)
	return p, err
}

// eventLine renders a tunnel event as one line for the terminal, or ""
// for events not worth a line (statistics, diagnostics).
func eventLine(ev *api.Event) string {
	switch ev.Kind {
	case api.EventState:
		st := ev.Status
		switch {
		case ev.State == "connected" && st != nil:
			addr := st.IPv4
			if addr == "" {
				addr = st.IPv6
			}
			if addr == "" {
				addr = "(no address)"
			}
			return fmt.Sprintf("connected %s via %s/%s %s", addr, st.Remote, st.Proto, st.Cipher)
		case ev.State == "disconnected":
			return "disconnected"
		case ev.State == "exiting" && ev.Message == "exiting":
			return ""
		}
		return ev.Message
	case api.EventWarning:
		return "warning: " + ev.Message
	case api.EventAuthFailure, api.EventNotice:
		return ev.Message
	case api.EventInfo:
		return "server info: " + ev.Message
	}
	return ""
}

// advice names the cause of a session's end and what to do about it.
func advice(err error) string {
	return usersession.Explain(err.Error(), service.ReasonOf(err, api.StateDisconnected))
}
