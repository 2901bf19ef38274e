package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/cvpn/cvpn/profile"
)

func profileCommand() *command {
	return &command{
		name:    "profile",
		summary: "check, import, list, show and remove VPN profiles",
		sub: []*command{
			{name: "check", args: "FILE [--json]", summary: "validate an .ovpn file and summarise it; --json lists every problem for scripts", run: (*app).profileCheck, flags: flagsOf(profileCheckFlags)},
			{name: "import", args: "FILE [--name NAME] [--force] | --from-aws-client [--dir DIR]", summary: "validate and store a profile (self-contained); --from-aws-client imports the AWS VPN Client's profiles", run: (*app).profileImport, flags: flagsOf(profileImportFlags)},
			{name: "list", args: "[--json] [--names]", summary: "list stored profiles", run: (*app).profileList, flags: flagsOf(profileListFlags)},
			{name: "show", args: "NAME [--json]", summary: "summarise a stored profile (never prints keys)", run: (*app).profileShow, flags: flagsOf(profileShowFlags)},
			{name: "remove", args: "NAME", summary: "delete a stored profile", run: (*app).profileRemove, flags: profileRemoveFlags},
		},
	}
}

// checkJSON is what "profile check --json" prints: every finding with its
// place, severity and fix, and the summary when the profile is usable.
type checkJSON struct {
	File     string            `json:"file"`
	Valid    bool              `json:"valid"`
	Problems []profile.Problem `json:"problems"`
	Summary  *profile.Summary  `json:"summary,omitempty"`
}

func profileCheckFlags() (*flag.FlagSet, *bool) {
	fs := flag.NewFlagSet("profile check", flag.ContinueOnError)
	return fs, fs.Bool("json", false, "print every problem (file, line, directive, severity, message, fix) and the summary as JSON")
}

func (a *app) profileCheck(args []string) int {
	const synopsis = "profile check FILE [--json]"
	fs, asJSON := profileCheckFlags()
	pos, code, ok := a.parseFlags(fs, args, synopsis, 1)
	if !ok {
		return code
	}
	name := filepath.Base(pos[0])
	p, problems, err := profile.CheckFile(pos[0])
	if *asJSON {
		out := checkJSON{File: name, Valid: p != nil, Problems: problems}
		if err != nil {
			out.Problems = []profile.Problem{{File: name, Severity: profile.SeverityError, Message: err.Error(),
				Fix: "check the path, and that the file is a readable .ovpn file"}}
		}
		if out.Problems == nil {
			out.Problems = []profile.Problem{}
		}
		if p != nil {
			sum := p.Summary()
			out.Summary = &sum
		}
		if code := a.printJSON(out); code != exitOK {
			return code
		}
		switch {
		case err != nil:
			return exitError
		case p == nil:
			return exitUsage
		}
		return exitOK
	}
	if err != nil {
		return a.fail("profile check", err)
	}
	if p == nil {
		errs := 0
		for _, pr := range problems {
			if pr.Severity == profile.SeverityError {
				errs++
			}
			fmt.Fprintln(a.stderr, problemLine(pr))
		}
		fmt.Fprintf(a.stderr, "cvpn profile check: the profile has %s\n", countProblems(errs))
		return exitUsage
	}
	fmt.Fprintf(a.stdout, "%s: OK\n", name)
	writeSummary(a.stdout, p.Summary(), "")
	return exitOK
}

// problemLine formats a finding the way compilers do, so editors can jump
// to it: "file:line: directive: message — fix", warnings marked as such.
func problemLine(pr profile.Problem) string {
	e := profile.Error{File: pr.File, Line: pr.Line, Directive: pr.Directive, Msg: pr.Message, Fix: pr.Fix}
	if pr.Severity == profile.SeverityWarning {
		e.Directive = ""
		e.Msg = "warning: " + profile.Warning{Directive: pr.Directive, Text: pr.Message}.String()
	}
	return e.Error()
}

// importFlags are where profile import's flags land.
type importFlags struct {
	name    *string
	force   *bool
	fromAWS *bool
	awsDir  *string
}

func profileImportFlags() (*flag.FlagSet, importFlags) {
	fs := flag.NewFlagSet("profile import", flag.ContinueOnError)
	return fs, importFlags{
		name:    fs.String("name", "", "store the profile under `NAME` (default: the file name)"),
		force:   fs.Bool("force", false, "replace a stored user profile of the same name"),
		fromAWS: fs.Bool("from-aws-client", false, "import every profile of the AWS VPN Client (no FILE), and report what was imported and what was refused"),
		awsDir:  fs.String("dir", "", "with --from-aws-client, read the AWS VPN Client's set-up from `DIR` instead of its usual places"),
	}
}

func (a *app) profileImport(args []string) int {
	const synopsis = "profile import FILE [--name NAME] [--force]"
	fs, f := profileImportFlags()
	name, force := f.name, f.force
	if fromAWSClient(args) {
		if _, code, ok := a.parseFlags(fs, args, "profile import --from-aws-client [--dir DIR]", 0); !ok {
			return code
		}
		return a.importFromAWSClient(*f.awsDir)
	}
	pos, code, ok := a.parseFlags(fs, args, synopsis, 1)
	if !ok {
		return code
	}
	s, err := a.store()
	if err != nil {
		return a.fail("profile import", err)
	}
	var opts []profile.ImportOption
	if *force {
		opts = append(opts, profile.Overwrite())
	}
	e, err := s.Import(pos[0], *name, opts...)
	if err != nil {
		return a.fail("profile import", err)
	}
	auth := strings.Join(e.AuthMethods, " + ")
	if auth == "" {
		auth = e.Auth.String()
	}
	fmt.Fprintf(a.stdout, "imported %q (%s, %s) to %s\n", e.Name, auth, plural(len(e.Remotes), "remote"), e.Path)
	for _, w := range e.Warnings {
		fmt.Fprintf(a.stderr, "warning: %s\n", w)
	}
	return exitOK
}

// listFlags are where profile list's flags land.
type listFlags struct{ json, names *bool }

func profileListFlags() (*flag.FlagSet, listFlags) {
	fs := flag.NewFlagSet("profile list", flag.ContinueOnError)
	return fs, listFlags{
		json:  fs.Bool("json", false, "print JSON"),
		names: fs.Bool("names", false, "print only the names, one a line (for scripts and shell completion)"),
	}
}

func (a *app) profileList(args []string) int {
	const synopsis = "profile list [--json] [--names]"
	fs, f := profileListFlags()
	asJSON := f.json
	_, code, ok := a.parseFlags(fs, args, synopsis, 0)
	if !ok {
		return code
	}
	s, err := a.store()
	if err != nil {
		return a.fail("profile list", err)
	}
	list, err := s.List()
	if err != nil {
		return a.fail("profile list", err)
	}
	if *f.names {
		for _, e := range list {
			fmt.Fprintln(a.stdout, e.Name)
		}
		return exitOK
	}
	if *asJSON {
		if list == nil {
			list = []profile.Entry{}
		}
		return a.printJSON(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(a.stdout, "no profiles; add one with: cvpn profile import FILE")
		return exitOK
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSOURCE\tREMOTES\tAUTH")
	for _, e := range list {
		source := "user"
		if e.Managed {
			source = "managed"
		}
		auth := strings.Join(e.AuthMethods, "+")
		if auth == "" {
			auth = e.Auth.String()
		}
		if e.Problem != "" {
			auth = "INVALID (cvpn profile show " + quoteName(e.Name) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Name, source, remotesText(e.Remotes), auth)
	}
	tw.Flush()
	return exitOK
}

// showJSON is what "profile show --json" prints.
type showJSON struct {
	profile.Summary
	Managed bool   `json:"managed"`
	Path    string `json:"path"`
}

func profileShowFlags() (*flag.FlagSet, *bool) {
	fs := flag.NewFlagSet("profile show", flag.ContinueOnError)
	return fs, fs.Bool("json", false, "print JSON")
}

func (a *app) profileShow(args []string) int {
	const synopsis = "profile show NAME [--json]"
	fs, asJSON := profileShowFlags()
	pos, code, ok := a.parseFlags(fs, args, synopsis, 1)
	if !ok {
		return code
	}
	s, err := a.store()
	if err != nil {
		return a.fail("profile show", err)
	}
	p, e, err := s.Get(pos[0])
	if err != nil {
		return a.fail("profile show", err)
	}
	sum := p.Summary()
	if *asJSON {
		return a.printJSON(showJSON{Summary: sum, Managed: e.Managed, Path: e.Path})
	}
	source := "user, " + e.Path
	if e.Managed {
		source = "managed by your administrator, " + e.Path
	}
	writeSummary(a.stdout, sum, source)
	return exitOK
}

func profileRemoveFlags() *flag.FlagSet {
	return flag.NewFlagSet("profile remove", flag.ContinueOnError)
}

func (a *app) profileRemove(args []string) int {
	const synopsis = "profile remove NAME"
	fs := profileRemoveFlags()
	pos, code, ok := a.parseFlags(fs, args, synopsis, 1)
	if !ok {
		return code
	}
	s, err := a.store()
	if err != nil {
		return a.fail("profile remove", err)
	}
	if err := s.Remove(pos[0]); err != nil {
		return a.fail("profile remove", err)
	}
	fmt.Fprintf(a.stdout, "removed %q\n", pos[0])
	return exitOK
}

func (a *app) printJSON(v any) int {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(a.stderr, "cvpn: write JSON: %v\n", err)
		return exitError
	}
	return exitOK
}
