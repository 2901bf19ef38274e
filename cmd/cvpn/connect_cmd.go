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

	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/tun"
	"github.com/cvpn/cvpn/tunnel"
)

func connectCommand() *command {
	return &command{
		name:    "connect",
		args:    "--foreground PROFILE [--auth-file FILE] [--dev NAME] [--verbose]",
		summary: "connect with a profile (a file or a stored profile's name) in this process, until Ctrl-C",
		run:     (*app).connect,
	}
}

func (a *app) connect(args []string) int {
	const synopsis = "connect --foreground PROFILE [--auth-file FILE] [--dev NAME] [--verbose]"
	fs := flag.NewFlagSet("connect", flag.ContinueOnError)
	foreground := fs.Bool("foreground", false, "run the tunnel in this process (as root) instead of through the cvpn service")
	authFile := fs.String("auth-file", "", "read the username and password from `FILE` (two lines) instead of asking")
	devName := fs.String("dev", "", "name the tun device `NAME` (default: the profile's dev, or cvpnN)")
	verbose := fs.Bool("verbose", false, "log what the engine and the network configuration do")
	debug := fs.Bool("debug", false, "log every control packet (implies --verbose)")
	noEKM := fs.Bool("no-ekm", false, "diagnostic: derive data keys with OpenVPN's PRF, never TLS-EKM")
	pos, code, ok := a.parseFlags(fs, args, synopsis, 1)
	if !ok {
		return code
	}
	if !*foreground {
		fmt.Fprintln(a.stderr, "cvpn connect: the cvpn service is not available yet; run 'sudo cvpn connect --foreground PROFILE'")
		return exitUsage
	}
	prof, err := a.loadProfile(pos[0])
	if err != nil {
		return a.fail("connect", err)
	}
	for _, w := range prof.Warnings {
		fmt.Fprintf(a.stderr, "warning: %s\n", w)
	}
	if runtime.GOOS != "linux" {
		fmt.Fprintf(a.stderr, "cvpn connect: --foreground is only implemented on Linux so far\n")
		return exitError
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(a.stderr, "cvpn connect: creating the tun device and setting routes needs root; run it with sudo")
		return exitError
	}
	var prompter openvpn.Prompter
	switch {
	case *authFile != "":
		prompter = authFilePrompter(*authFile)
	case isTerminal(os.Stdin):
		prompter = terminalPrompter{in: os.Stdin, out: a.stderr}
	}

	mtu := prof.Remotes[0].MTU.TunMTU
	if mtu == 0 {
		mtu = 1500
	}
	name := *devName
	if name == "" && prof.Dev != "" && prof.Dev != "tun" {
		name = prof.Dev
	}
	dev, err := tun.Create(name, mtu)
	if err != nil {
		return a.fail("connect", err)
	}
	if name, err = dev.Name(); err != nil {
		_ = dev.Close()
		return a.fail("connect", fmt.Errorf("tun device name: %w", err))
	}

	logf := func(format string, args ...any) {}
	if *verbose || *debug {
		logf = func(format string, args ...any) { fmt.Fprintf(a.stderr, "  "+format+"\n", args...) }
	}
	opts := openvpn.Options{Logf: logf, Prompter: prompter, Version: "cvpn " + version, NoKeyExport: *noEKM}
	if *debug {
		opts.Debugf = logf
	}
	conf := &tunnel.Configurator{Device: name, MTU: mtu, Profile: prof, Logf: logf,
		Warnf: func(format string, args ...any) { fmt.Fprintf(a.stderr, "warning: "+format+"\n", args...) }}
	opts.Configure = conf.Configure

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := openvpn.Dial(ctx, prof, dev, opts)
	if err != nil {
		_ = dev.Close()
		return a.fail("connect", err)
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	fmt.Fprintf(a.stdout, "%s: device %s\n", prof.Name, name)
	events := s.Events()
	signals := 0
	for events != nil {
		select {
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if line := eventLine(ev); line != "" {
				fmt.Fprintln(a.stdout, line)
			}
		case <-sigs:
			signals++
			if signals == 1 {
				fmt.Fprintln(a.stdout, "disconnecting")
				go s.Close()
			} else {
				cancel() // a second Ctrl-C: stop without waiting for the server
			}
		}
	}
	werr := s.Wait()
	if rerr := conf.Revert(); rerr != nil {
		fmt.Fprintf(a.stderr, "cvpn connect: undo network configuration: %v\n", rerr)
	}
	if werr != nil && !errors.Is(werr, context.Canceled) {
		fmt.Fprintf(a.stderr, "cvpn connect: %s\n", advice(werr))
		return exitError
	}
	return exitOK
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

// eventLine renders an event as one line for the terminal.
func eventLine(ev openvpn.Event) string {
	switch e := ev.(type) {
	case *openvpn.StateChange:
		switch e.To {
		case openvpn.StateConnected:
			c := e.Connection
			if c == nil {
				return "connected"
			}
			addr := "(no address)"
			if c.IPv4.IsValid() {
				addr = c.IPv4.Addr().String()
			} else if c.IPv6.IsValid() {
				addr = c.IPv6.Addr().String()
			}
			return fmt.Sprintf("connected %s via %v/%s %s", addr, c.Remote, c.Proto, c.Cipher)
		case openvpn.StateReconnecting:
			return fmt.Sprintf("reconnecting: %v (%s)", e.Err, e.Detail)
		case openvpn.StateDisconnected:
			return "disconnected"
		case openvpn.StateExiting:
			if e.Err != nil {
				return ""
			}
		}
		if e.Detail != "" {
			return fmt.Sprintf("%s: %s", e.To, e.Detail)
		}
		return e.To.String()
	case *openvpn.AuthFailure:
		return e.String()
	case *openvpn.Warning:
		return e.String()
	case *openvpn.Info:
		return e.String()
	}
	return ""
}

// advice names the cause of a session's end and what to do about it.
func advice(err error) string {
	switch {
	case errors.Is(err, openvpn.ErrAuthFailed):
		return fmt.Sprintf("%v; check the username and password", err)
	case errors.Is(err, openvpn.ErrServerCertificate):
		return fmt.Sprintf("%v; the server is not the one the profile trusts: check the profile's <ca> or ask the VPN administrator", err)
	case errors.Is(err, openvpn.ErrUnreachable):
		return fmt.Sprintf("%v; check the network connection and that the server address in the profile is right", err)
	case errors.Is(err, openvpn.ErrNoCredentials):
		return fmt.Sprintf("%v; run on a terminal to be asked, or pass --auth-file FILE", err)
	}
	return err.Error()
}
