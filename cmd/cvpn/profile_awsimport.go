package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cvpn/cvpn/profile/awsclient"
)

// fromAWSClient reports whether profile import was asked to import the AWS
// VPN Client's profiles, which takes no FILE.
func fromAWSClient(args []string) bool {
	for _, a := range args {
		switch strings.TrimLeft(a, "-") {
		case "from-aws-client", "from-aws-client=true", "from-aws-client=1":
			return strings.HasPrefix(a, "-")
		}
	}
	return false
}

// importFromAWSClient imports the AWS VPN Client's profiles and prints
// what happened to each. Exit 0 when at least one was imported and
// nothing failed for a reason outside the profiles; 1 when none could be
// imported or something failed; 2 when there was nothing to import.
func (a *app) importFromAWSClient(dir string) int {
	const cmd = "profile import --from-aws-client"
	s, err := a.store()
	if err != nil {
		return a.fail(cmd, err)
	}
	dirs := awsclient.Dirs()
	if dir != "" {
		dirs = []string{dir}
	}
	r, err := awsclient.Import(s, dirs)
	if errors.Is(err, awsclient.ErrNotFound) {
		fmt.Fprintf(a.stderr, "cvpn %s: found no AWS VPN Client profiles; looked in:\n", cmd)
		for _, d := range r.Looked {
			fmt.Fprintf(a.stderr, "  %s\n", d)
		}
		fmt.Fprintln(a.stderr, "If the client keeps them elsewhere, name the directory that holds ConnectionProfiles (or the .ovpn files) with --dir DIR.")
		return exitUsage
	}
	if err != nil {
		return a.fail(cmd, err)
	}
	fmt.Fprintln(a.stdout, awsReport(r))
	for _, i := range r.Imported {
		for _, w := range i.Warnings {
			fmt.Fprintf(a.stderr, "warning: %s: %s\n", i.Name, w)
		}
	}
	if len(r.Imported) == 0 || len(r.Failed) > 0 {
		return exitError
	}
	return exitOK
}

// awsReport is the report printed (and shown by the desktop app through
// its own strings): one line per profile, grouped by outcome.
func awsReport(r awsclient.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "AWS VPN Client profiles in %s: %d found, %d imported, %d refused", r.Dir, r.Found, len(r.Imported), len(r.Refused)+len(r.Failed))
	if len(r.Imported) > 0 {
		b.WriteString("\n\nimported:")
		for _, i := range r.Imported {
			fmt.Fprintf(&b, "\n  %q (endpoint %s)", i.Name, i.Endpoint)
			if i.Name != i.AWSName {
				fmt.Fprintf(&b, ", named %q in the AWS VPN Client", i.AWSName)
			}
		}
	}
	refused := append(append([]awsclient.Refused(nil), r.Refused...), r.Failed...)
	if len(refused) > 0 {
		b.WriteString("\n\nrefused:")
		for _, ref := range refused {
			fmt.Fprintf(&b, "\n  %q: %s\n    fix: %s", ref.AWSName, ref.Why, ref.Fix)
		}
	}
	return b.String()
}
