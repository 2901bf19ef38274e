package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/usersession"
)

// Exit statuses, shown in the usage text.
const (
	exitOK    = 0 // done
	exitError = 1 // something failed at run time (a file could not be read, a profile is missing)
	exitUsage = 2 // the command line or the profile given is wrong
)

// app is one run of the command line, with its outputs and dependencies
// injected so tests run it in-process.
type app struct {
	stdout, stderr io.Writer
	store          func() (*profile.Store, error)
	// socket is the service's address; "" means $CVPN_SOCKET or the default.
	socket string
	// asker replaces the terminal and the auth file when set (tests).
	asker usersession.Asker
}

func storeFromEnv() (*profile.Store, error) { return profile.DefaultStore() }

// command is one entry of the command table. A command either runs or
// groups subcommands.
type command struct {
	name    string
	args    string // the synopsis after the name
	summary string
	run     func(a *app, args []string) int
	sub     []*command
	// flags builds the command's flag set without running it, so help,
	// the man page and the shell completions list the flags the command
	// really parses instead of a second copy of them. Nil means no flags.
	flags func() *flag.FlagSet
}

// flagsOf adapts a command's flag constructor, which also returns where
// the parsed values land, to command.flags.
func flagsOf[T any](newFlags func() (*flag.FlagSet, T)) func() *flag.FlagSet {
	return func() *flag.FlagSet {
		fs, _ := newFlags()
		return fs
	}
}

// commands is the table; filled in init because "help" reads it.
var commands []*command

// registered are command groups that live in their own files and add
// themselves with register, so a new group touches no shared line.
var registered []*command

// register adds c to the table, before version and help. Call it from a
// package-level variable (var _ = register(...)): those are all set
// before init builds the table.
//
//lint:ignore U1000 the command groups of the IT-deployment step use it
func register(c *command) bool {
	registered = append(registered, c)
	return true
}

func init() {
	commands = []*command{
		profileCommand(),
		connectCommand(),
		disconnectCommand(),
		statusCommand(),
		logsCommand(),
		settingsCommand(),
		serviceCommand(),
	}
	commands = append(commands, registered...)
	commands = append(commands,
		&command{name: "version", summary: "print the version", run: (*app).version},
		&command{name: "help", args: "[COMMAND]", summary: "show help for cvpn or a command", run: (*app).help},
	)
}

const usageFooter = `
Exit status: 0 success, 1 runtime error (a file cannot be read, a profile is
not found or may not be changed), 2 usage error or invalid profile.

Environment: CVPN_CONFIG_DIR replaces the user configuration directory
(profiles are kept in its "profiles" subdirectory); CVPN_MANAGED_DIR is the
directory of administrator-managed profiles; CVPN_SOCKET is the service's
socket (default /run/cvpn/cvpn.sock); the service also reads CVPN_STATE_DIR
and CVPN_LOG_DIR.
`

func (a *app) run(args []string) int {
	if len(args) == 0 {
		a.usage(a.stderr, nil, commands)
		return exitUsage
	}
	return a.dispatch(nil, commands, args)
}

// dispatch finds args[0] in list (the subcommands of path) and runs it.
func (a *app) dispatch(path []string, list []*command, args []string) int {
	name := args[0]
	if isHelp(name) {
		a.usage(a.stdout, path, list)
		return exitOK
	}
	for _, c := range list {
		if c.name != name {
			continue
		}
		if c.sub == nil {
			if wantsHelp(c, args[1:]) {
				a.commandHelp(a.stdout, append(path, c.name), c)
				return exitOK
			}
			return c.run(a, args[1:])
		}
		if len(args) == 1 {
			a.usage(a.stderr, append(path, c.name), c.sub)
			return exitUsage
		}
		return a.dispatch(append(path, c.name), c.sub, args[1:])
	}
	fmt.Fprintf(a.stderr, "cvpn: unknown command %q\n", strings.Join(append(path, name), " "))
	a.usage(a.stderr, path, list)
	return exitUsage
}

func (a *app) usage(w io.Writer, path []string, list []*command) {
	prefix := strings.Join(append([]string{"cvpn"}, path...), " ")
	fmt.Fprintf(w, "Usage: %s COMMAND [ARGS]\n\nCommands:\n", prefix)
	for _, c := range list {
		synopsis := c.name
		if c.sub != nil {
			synopsis += " COMMAND"
		} else if c.args != "" {
			synopsis += " " + c.args
		}
		fmt.Fprintf(w, "  %-40s %s\n", synopsis, c.summary)
	}
	fmt.Fprint(w, usageFooter)
}

func (a *app) help(args []string) int {
	path, list := []string(nil), commands
	for _, name := range args {
		var found *command
		for _, c := range list {
			if c.name == name {
				found = c
			}
		}
		if found == nil {
			fmt.Fprintf(a.stderr, "cvpn help: unknown command %q\n", strings.Join(append(path, name), " "))
			return exitUsage
		}
		path = append(path, name)
		if found.sub == nil {
			a.commandHelp(a.stdout, path, found)
			return exitOK
		}
		list = found.sub
	}
	a.usage(a.stdout, path, list)
	return exitOK
}

// isHelp reports whether arg asks for help, in any of the spellings the
// flag package accepts.
func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

// wantsHelp reports whether a leaf command is asked for help before it
// runs. A help flag first always means help; a command without a flag set
// reads its own words (settings, version), so a help flag anywhere does.
// Commands with a flag set get -h anywhere from the flag package.
func wantsHelp(c *command, args []string) bool {
	if len(args) > 0 && isHelp(args[0]) {
		return true
	}
	if c.flags == nil {
		for _, arg := range args {
			if isHelp(arg) {
				return true
			}
		}
	}
	return false
}

// commandHelp prints a leaf command's synopsis, summary and flags, all
// from its table entry, so help cannot drift from what the command parses.
func (a *app) commandHelp(w io.Writer, path []string, c *command) {
	fmt.Fprintf(w, "Usage: cvpn %s %s\n\n%s\n", strings.Join(path, " "), c.args, c.summary)
	if c.flags != nil {
		fs := c.flags()
		if hasFlags(fs) {
			fmt.Fprintln(w, "\nFlags:")
			fs.SetOutput(w)
			fs.PrintDefaults()
		}
	}
	fmt.Fprint(w, usageFooter)
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseFlags parses flags that may come before or after the positional
// arguments ("import FILE --name X"), which the flag package alone does not
// allow. It returns the positional arguments, or an exit status when done.
// It also checks that exactly nargs positional arguments were given.
func (a *app) parseFlags(fs *flag.FlagSet, args []string, synopsis string, nargs int) ([]string, int, bool) {
	fs.SetOutput(a.stderr)
	// Usage is printed here rather than by the flag package, so that asked
	// for (-h) it goes to stdout and can be paged, and in error to stderr.
	fs.Usage = func() {}
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: cvpn %s\n", synopsis)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(a.stderr)
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage(a.stdout)
				return nil, exitOK, false
			}
			usage(a.stderr)
			return nil, exitUsage, false
		}
		args = fs.Args()
		if len(args) == 0 {
			if !a.wantArgs(pos, nargs, synopsis) {
				return nil, exitUsage, false
			}
			return pos, 0, true
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// wantArgs checks the number of positional arguments.
func (a *app) wantArgs(pos []string, n int, synopsis string) bool {
	if len(pos) != n {
		fmt.Fprintf(a.stderr, "Usage: cvpn %s\n", synopsis)
		return false
	}
	return true
}

// fail prints an error and picks the exit status: the profile's own
// problems, one per line, are a usage error; the rest are runtime errors.
func (a *app) fail(cmd string, err error) int {
	var list profile.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(a.stderr, e)
		}
		fmt.Fprintf(a.stderr, "cvpn %s: the profile has %s\n", cmd, countProblems(len(list)))
		return exitUsage
	}
	fmt.Fprintf(a.stderr, "cvpn %s: %v\n", cmd, err)
	if errors.Is(err, profile.ErrInvalid) || errors.Is(err, profile.ErrBadName) {
		return exitUsage
	}
	return exitError
}

func countProblems(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
}
