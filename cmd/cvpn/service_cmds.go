package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/cvpn/cvpn/service"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/service/svcrun"
)

// defaultWait bounds calls to the service that should be quick.
const defaultWait = 20 * time.Second

func (a *app) client() *client.Client { return client.New(a.socket) }

func serviceCommand() *command {
	return &command{
		name:    "service",
		args:    "[--debug] [--socket PATH] [--state-dir DIR] [--log-dir DIR] [--utmp FILE]",
		summary: "run the privileged cvpn service (systemd, launchd and the Windows service manager start it)",
		run:     (*app).service,
		flags:   flagsOf(serviceFlags),
	}
}

// serviceOpts are where the service command's flags land.
type serviceOpts struct {
	cfg  service.Config
	utmp string
}

func serviceFlags() (*flag.FlagSet, *serviceOpts) {
	o := new(serviceOpts)
	fs := flag.NewFlagSet("service", flag.ContinueOnError)
	fs.BoolVar(&o.cfg.Debug, "debug", false, "write packet-level detail to the diagnostic log")
	fs.StringVar(&o.cfg.Addr, "socket", "", "listen on `PATH` (default $CVPN_SOCKET, else the system's)")
	fs.StringVar(&o.cfg.StateDir, "state-dir", "", "keep crash-recovery records in `DIR` (default $CVPN_STATE_DIR, else the system's)")
	fs.StringVar(&o.cfg.LogDir, "log-dir", "", "write logs to `DIR` (default $CVPN_LOG_DIR, else the system's)")
	fs.StringVar(&o.utmp, "utmp", "", "count logged-in users from this utmp `FILE` instead of logind (for tests and odd systems)")
	return fs, o
}

func (a *app) service(args []string) int {
	const synopsis = "service [--debug] [--socket PATH] [--state-dir DIR] [--log-dir DIR] [--utmp FILE]"
	fs, opts := serviceFlags()
	if _, code, ok := a.parseFlags(fs, args, synopsis, 0); !ok {
		return code
	}
	cfg, utmp := opts.cfg, &opts.utmp
	if *utmp != "" {
		src, err := utmpSource(*utmp)
		if err != nil {
			fmt.Fprintf(a.stderr, "cvpn service: %v\n", err)
			return exitUsage
		}
		cfg.Sessions = src
		cfg.Backend = func() string { return "utmp " + *utmp }
	}
	cfg.Version = version
	cfg.Ready = func() { _ = svcrun.Ready() }
	cfg.Stderr = func(format string, args ...any) { fmt.Fprintf(a.stderr, format+"\n", args...) }
	err := svcrun.Run("cvpn", func(ctx context.Context) error { return service.Run(ctx, cfg) })
	if err != nil {
		fmt.Fprintf(a.stderr, "cvpn service: %v\n", err)
		return exitError
	}
	return exitOK
}

func disconnectCommand() *command {
	return &command{
		name:    "disconnect",
		args:    "[NAME] [--json]",
		summary: "disconnect a tunnel, or every tunnel when no name is given",
		run:     (*app).disconnect,
		flags:   flagsOf(disconnectFlags),
	}
}

func disconnectFlags() (*flag.FlagSet, *bool) {
	fs := flag.NewFlagSet("disconnect", flag.ContinueOnError)
	return fs, fs.Bool("json", false, "print the resulting status as JSON")
}

func (a *app) disconnect(args []string) int {
	const synopsis = "disconnect [NAME] [--json]"
	fs, asJSON := disconnectFlags()
	var pos []string
	var code int
	var ok bool
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, code, ok = a.parseFlags(fs, args, synopsis, 1)
	} else {
		pos, code, ok = a.parseFlags(fs, args, synopsis, 0)
	}
	if !ok {
		return code
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	ctx, cancel := context.WithTimeout(context.Background(), defaultWait)
	defer cancel()
	st, err := a.client().Disconnect(ctx, name)
	if err != nil {
		return a.fail("disconnect", err)
	}
	if *asJSON {
		return a.printJSON(st)
	}
	if name == "" {
		fmt.Fprintln(a.stdout, disconnectAllMessage(st))
	} else {
		fmt.Fprintf(a.stdout, "disconnected %s\n", name)
	}
	return exitOK
}

func statusCommand() *command {
	return &command{
		name:    "status",
		args:    "[--json]",
		summary: "show the tunnels, their addresses and traffic counters",
		run:     (*app).status,
		flags:   flagsOf(statusFlags),
	}
}

func statusFlags() (*flag.FlagSet, *bool) {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	return fs, fs.Bool("json", false, "print the status as JSON (for scripts)")
}

func (a *app) status(args []string) int {
	fs, asJSON := statusFlags()
	if _, code, ok := a.parseFlags(fs, args, "status [--json]", 0); !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), defaultWait)
	defer cancel()
	st, err := a.client().Status(ctx)
	if err != nil {
		return a.fail("status", err)
	}
	if *asJSON {
		return a.printJSON(st)
	}
	if len(st.Tunnels) == 0 {
		fmt.Fprintln(a.stdout, "no tunnels")
		return exitOK
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tSTATE\tADDRESS\tSERVER\tDEVICE\tUP FOR\tSENT\tRECEIVED")
	for _, t := range st.Tunnels {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Profile, stateText(t), orDash(addrOf(t)),
			orDash(serverOf(t)), t.Device, upFor(t), byteCount(t.TxBytes), byteCount(t.RxBytes))
	}
	_ = tw.Flush()
	return exitOK
}

func stateText(t api.Status) string {
	if t.LastError != "" && t.State != "connected" {
		return string(t.State) + " (" + t.LastError + ")"
	}
	return string(t.State)
}

func addrOf(t api.Status) string {
	if t.IPv4 != "" {
		return t.IPv4
	}
	return t.IPv6
}

func serverOf(t api.Status) string {
	if t.Remote == "" {
		return ""
	}
	return t.Remote + "/" + t.Proto
}

func upFor(t api.Status) string {
	if t.ConnectedSince == nil {
		return "-"
	}
	return time.Since(*t.ConnectedSince).Round(time.Second).String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// byteCount renders n bytes for people: 0 B, 1.5 KiB, 20.0 MiB.
func byteCount(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// interruptible returns a context canceled by Ctrl-C, for commands that
// run until the user stops them.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// disconnectAllMessage says what "disconnect" with no name did. A caller
// that is not root stops only its own tunnels; the service's answer lists
// those left running, which belong to other users.
func disconnectAllMessage(st *api.StatusBody) string {
	var left []string
	for _, t := range st.Tunnels {
		left = append(left, fmt.Sprintf("%s (uid %d)", t.Profile, t.Owner))
	}
	if len(left) == 0 {
		return "disconnected all tunnels"
	}
	return fmt.Sprintf("disconnected your tunnels; still running, started by other users: %s (only they or root may stop them: sudo cvpn disconnect NAME)", strings.Join(left, ", "))
}
