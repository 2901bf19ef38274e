//go:build linux

// Command cvpn-lab runs an e2e lab (two network namespaces and Debian's
// stock openvpn server) around a command, for `make demo` and for poking at
// cvpn by hand:
//
//	cvpn-lab run [flags] -- CMD [ARGS...]   lab up, run CMD, tear down, exit with CMD's status
//	cvpn-lab up  [flags]                    lab up until Ctrl-C; prints the CVPN_LAB_* values
//
// CMD runs in the root namespace (or, with -in-client-ns, in the client
// namespace) with these variables set:
//
//	CVPN_LAB_PROFILE          client .ovpn matching the server (inline keys)
//	CVPN_LAB_CLIENT_NS        client network namespace, e.g. cvpn-lab-3-cli
//	CVPN_LAB_SERVER_NS        server network namespace
//	CVPN_LAB_SERVER_LINK_IP   server's veth address (the profile's remote)
//	CVPN_LAB_SERVER_TUN_IP    server's tunnel address: ping it through the VPN
//	CVPN_LAB_SERVER_TUN_IP6   same for IPv6 (only with -ipv6)
//	CVPN_LAB_USERNAME         } only with -userpass
//	CVPN_LAB_PASSWORD         }
//	CVPN_LAB_AUTH_FILE        } username and password, one per line
//	CVPN_LAB_DIR              lab temp dir (configs, keys, logs)
//	CVPN_LAB_SERVER_LOG       the stock server's log
//	CVPN_LAB_INDEX            lab number N (addresses 198.18.N.x / 198.19.N.x)
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

const usage = `usage:
  cvpn-lab run [flags] -- CMD [ARGS...]
  cvpn-lab up  [flags]
flags:`

func run(args []string) int {
	if len(args) == 0 || (args[0] != "run" && args[0] != "up") {
		fmt.Fprintln(os.Stderr, usage)
		newFlags(&config{}).PrintDefaults()
		return 2
	}
	mode := args[0]
	var c config
	fs := newFlags(&c)
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	cmdArgs := fs.Args()
	if mode == "run" && len(cmdArgs) == 0 {
		fmt.Fprintln(os.Stderr, "cvpn-lab run: missing command after --")
		return 2
	}
	if mode == "up" && len(cmdArgs) > 0 {
		fmt.Fprintln(os.Stderr, "cvpn-lab up: takes no command (did you mean run?)")
		return 2
	}
	opts, err := c.options()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cvpn-lab: %v\n", err)
		return 2
	}

	// Signals are ours from the start: Ctrl-C during setup must still tear
	// down what was built, and during `run` it must reach CMD first.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	setupDone, watcherGone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watcherGone)
		select {
		case <-sigs:
			cancel()
		case <-setupDone:
		}
	}()

	logf := func(string, ...any) {}
	if c.verbose {
		logf = func(f string, a ...any) { fmt.Fprintf(os.Stderr, "cvpn-lab: "+f+"\n", a...) }
	}
	opts.Logf = logf
	l, err := lab.New(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(os.Stderr, "cvpn-lab: interrupted during setup; torn down")
			return 130
		}
		fmt.Fprintf(os.Stderr, "cvpn-lab: %v\n", err)
		return 1
	}
	defer func() {
		if err := l.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "cvpn-lab: %v\n", err)
		}
	}()
	env, err := prepare(ctx, l, &c)
	close(setupDone)
	<-watcherGone // from here on, signals are read by up or runCommand
	if err != nil {
		fmt.Fprintf(os.Stderr, "cvpn-lab: %v\n", err)
		return 1
	}
	if ctx.Err() != nil {
		return 130
	}
	if mode == "up" {
		return up(l, env, sigs)
	}
	return runCommand(l, env, cmdArgs, c.inClientNS, sigs)
}

// prepare writes the profile and, if asked, connects the stock client; it
// returns the CVPN_LAB_* variables.
func prepare(ctx context.Context, l *lab.Lab, c *config) ([]string, error) {
	dir := c.outDir
	if dir == "" {
		dir = l.Dir
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("profile dir: %w", err)
	}
	profile, err := filepath.Abs(filepath.Join(dir, "client.ovpn"))
	if err != nil {
		return nil, err
	}
	if err := l.WriteClientProfile(profile, lab.ProfileOptions{}); err != nil {
		return nil, err
	}
	env := []string{
		"CVPN_LAB_PROFILE=" + profile,
		"CVPN_LAB_CLIENT_NS=" + l.ClientNS,
		"CVPN_LAB_SERVER_NS=" + l.ServerNS,
		"CVPN_LAB_SERVER_LINK_IP=" + l.ServerLinkIP.String(),
		"CVPN_LAB_SERVER_TUN_IP=" + l.ServerTunIP.String(),
		"CVPN_LAB_DIR=" + l.Dir,
		"CVPN_LAB_SERVER_LOG=" + l.Server.LogPath,
		fmt.Sprintf("CVPN_LAB_INDEX=%d", l.Index),
	}
	if l.Opts.Server.IPv6 {
		env = append(env, "CVPN_LAB_SERVER_TUN_IP6="+l.ServerTunIP6.String())
	}
	if l.Opts.Server.UserPass {
		user, pass := l.Credentials()
		env = append(env, "CVPN_LAB_USERNAME="+user, "CVPN_LAB_PASSWORD="+pass, "CVPN_LAB_AUTH_FILE="+l.AuthFile)
	}
	if c.stockClient {
		p, err := l.StartStockClient(ctx, profile, lab.StockClientOptions{Name: "stock-client"})
		if err != nil {
			return nil, err
		}
		env = append(env, "CVPN_LAB_STOCK_CLIENT_LOG="+p.LogPath)
	}
	return env, nil
}

// up prints the lab's variables as shell exports and waits for a signal or
// for the server to die.
func up(l *lab.Lab, env []string, sigs <-chan os.Signal) int {
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Printf("export %s='%s'\n", k, strings.ReplaceAll(v, "'", `'\''`))
	}
	fmt.Fprintf(os.Stderr, "cvpn-lab: lab %d is up; try: ip netns exec %s ping %s; Ctrl-C tears it down\n",
		l.Index, l.ClientNS, l.ServerTunIP)
	select {
	case sig := <-sigs:
		fmt.Fprintf(os.Stderr, "cvpn-lab: %v: tearing down lab %d\n", sig, l.Index)
		return 0
	case <-l.Server.Done():
		fmt.Fprintf(os.Stderr, "cvpn-lab: server exited (%v); log tail:\n%s\n", l.Server.Err(), l.Server.LogTail(20))
		return 1
	}
}

// runCommand runs CMD with the lab's variables and returns its exit status.
// CMD shares our process group, so a terminal's Ctrl-C reaches it directly;
// signals sent to cvpn-lab alone are forwarded. Either way the lab is torn
// down only after CMD has exited.
func runCommand(l *lab.Lab, env, args []string, inClientNS bool, sigs <-chan os.Signal) int {
	var cmd *exec.Cmd
	if inClientNS {
		cmd = lab.Command(context.Background(), l.ClientNS, args[0], args[1:]...)
	} else {
		cmd = exec.Command(args[0], args[1:]...)
	}
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "cvpn-lab: run %s: %v\n", args[0], err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case sig := <-sigs:
			_ = cmd.Process.Signal(sig)
			select {
			case err = <-done:
				break wait
			case <-time.After(10 * time.Second):
				fmt.Fprintf(os.Stderr, "cvpn-lab: %s ignored %v for 10s; killing it\n", args[0], sig)
				_ = cmd.Process.Kill()
			}
		}
	}
	return exitStatus(err)
}

// exitStatus maps CMD's end to a shell-style status: its exit code, or
// 128+signal when a signal ended it.
func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 1
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}
