package awsclient

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cvpn/cvpn/profile"
)

// Imported is a profile now in cvpn's store.
type Imported struct {
	AWSName  string // the name in the AWS VPN Client
	Name     string // the name in cvpn
	Endpoint string // the Client VPN endpoint id, else the first server
	Path     string
	Warnings []profile.Warning
}

// Refused is a profile not imported, why, and what the user can do.
type Refused struct {
	AWSName string
	File    string
	Why     string
	Fix     string
}

// Report is what an import did.
type Report struct {
	Looked   []string // the directories searched
	Found    int      // profiles found in the first directory that had any
	Dir      string   // that directory
	Imported []Imported
	Refused  []Refused
	// Failed are profiles that could not be imported for a reason that is
	// not theirs (the store could not be written); Why says which.
	Failed []Refused
}

// Import imports every profile of the first directory in dirs that holds
// an AWS VPN Client set-up. It returns ErrNotFound (with Looked filled in)
// when none does, and other errors when a set-up is there but unreadable.
func Import(s *profile.Store, dirs []string) (Report, error) {
	var r Report
	var list []Profile
	for _, d := range dirs {
		r.Looked = append(r.Looked, d)
		l, err := Read(d)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return r, err
		}
		list, r.Dir = l, d
		break
	}
	if list == nil {
		return r, ErrNotFound
	}
	r.Found = len(list)
	taken := map[string]bool{}
	for _, p := range list {
		name := uniqueName(SanitizeName(p.Name), taken)
		e, err := s.Import(p.File, name)
		if err != nil {
			ref := Refused{AWSName: p.Name, File: p.File, Why: err.Error()}
			if why, fix, ok := refusal(err, p, name); ok {
				ref.Why, ref.Fix = why, fix
				r.Refused = append(r.Refused, ref)
			} else {
				ref.Fix = "check that cvpn's profile directory is writable, then run the import again"
				r.Failed = append(r.Failed, ref)
			}
			continue
		}
		endpoint := p.EndpointID
		if endpoint == "" && len(e.Remotes) > 0 {
			endpoint = e.Remotes[0].Host
		}
		r.Imported = append(r.Imported, Imported{AWSName: p.Name, Name: e.Name, Endpoint: endpoint, Path: e.Path, Warnings: e.Warnings})
	}
	return r, nil
}

// refusal explains the errors that are the profile's own, with the fix.
func refusal(err error, p Profile, name string) (why, fix string, ok bool) {
	var list profile.ErrorList
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "its .ovpn file is missing: " + p.File,
			"download the profile again (from your administrator or the Client VPN self-service portal) and import it with: cvpn profile import FILE", true
	case errors.As(err, &list):
		var msgs, fixes []string
		for _, e := range list {
			msgs = append(msgs, e.Msg)
			if e.Fix != "" {
				fixes = append(fixes, e.Fix)
			}
		}
		fix = strings.Join(fixes, "; ")
		if fix == "" {
			fix = "see cvpn profile check " + p.File
		}
		return "the profile is not valid: " + strings.Join(msgs, "; "), fix, true
	case errors.Is(err, profile.ErrExists):
		return fmt.Sprintf("a profile named %q is already in cvpn", name),
			fmt.Sprintf("keep it, or replace it with: cvpn profile import %q --name %q --force", p.File, name), true
	case errors.Is(err, profile.ErrReadOnly):
		return fmt.Sprintf("your administrator manages a profile named %q", name),
			fmt.Sprintf("use the managed profile, or import this one under another name: cvpn profile import %q --name OTHER", p.File), true
	case errors.Is(err, profile.ErrInvalid), errors.Is(err, profile.ErrBadName):
		return err.Error(), "see cvpn profile check " + p.File, true
	}
	return "", "", false
}

// SanitizeName turns an AWS VPN Client profile name into a valid cvpn
// profile name: characters cvpn does not allow in names become "-", the
// start must be a letter or digit, the end no space or dot, and the length
// is capped. An empty result is "aws-profile".
func SanitizeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" -_+@()", r) {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	out := strings.TrimLeftFunc(b.String(), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for len(out) > profile.MaxNameLen-4 { // room for " (9)"
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	out = strings.TrimRight(out, " .-")
	if out == "" || profile.ValidName(out) != nil {
		return "aws-profile"
	}
	return out
}

// uniqueName returns name, or "name (2)", "name (3)"... when an earlier
// profile of this import took it; names differing only in case clash, as
// they do in the store on macOS and Windows.
func uniqueName(name string, taken map[string]bool) string {
	out := name
	for i := 2; taken[strings.ToLower(out)]; i++ {
		out = fmt.Sprintf("%s (%d)", name, i)
	}
	taken[strings.ToLower(out)] = true
	return out
}
