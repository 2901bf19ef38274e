package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/service/client"
	"github.com/cvpn/cvpn/usersession"
)

func logsCommand() *command {
	return &command{
		name:    "logs",
		args:    "[-f] [-n LINES] [--connections] | export FILE.zip",
		summary: "show the service's diagnostic log (or the connection log); 'logs export FILE.zip' writes a diagnostics bundle",
		run:     (*app).logs,
		flags:   flagsOf(logsFlags),
	}
}

// logsOpts are where the logs command's flags land.
type logsOpts struct {
	follow, conns *bool
	lines         *int
}

func logsFlags() (*flag.FlagSet, logsOpts) {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	return fs, logsOpts{
		follow: fs.Bool("f", false, "keep showing new lines until Ctrl-C"),
		lines:  fs.Int("n", 200, "show the last `LINES` lines first"),
		conns:  fs.Bool("connections", false, "show the connection log (one JSON line per attempt) instead of the diagnostic log"),
	}
}

func (a *app) logs(args []string) int {
	if len(args) > 0 && args[0] == "export" {
		return a.logsExport(args[1:])
	}
	const synopsis = "logs [-f] [-n LINES] [--connections]"
	fs, f := logsFlags()
	follow, lines, conns := f.follow, f.lines, f.conns
	if _, code, ok := a.parseFlags(fs, args, synopsis, 0); !ok {
		return code
	}
	ctx, cancel := interruptible()
	defer cancel()
	if !*follow {
		var c context.CancelFunc
		ctx, c = context.WithTimeout(ctx, defaultWait)
		defer c()
	}
	err := a.client().Logs(ctx, a.stdout, client.LogsOptions{Connections: *conns, Lines: *lines, Follow: *follow})
	if err != nil {
		return a.fail("logs", err)
	}
	return exitOK
}

func (a *app) logsExport(args []string) int {
	const synopsis = "logs export FILE.zip"
	fs := flag.NewFlagSet("logs export", flag.ContinueOnError)
	pos, code, ok := a.parseFlags(fs, args, synopsis, 1)
	if !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	bundle, err := a.client().Export(ctx)
	if err != nil {
		return a.fail("logs export", err)
	}
	store, err := a.store()
	if err != nil {
		store = nil // the service's half is still worth having
	}
	out, info, err := usersession.CompleteBundle(bundle, store, version)
	if err != nil {
		return a.fail("logs export", err)
	}
	if err := usersession.WritePrivate(pos[0], out); err != nil {
		return a.fail("logs export", err)
	}
	fmt.Fprintf(a.stdout, "wrote %s (%d files, %s): logs, %d profiles with their keys removed, system facts\n",
		pos[0], info.Files, byteCount(uint64(info.Bytes)), info.Profiles)
	return exitOK
}
