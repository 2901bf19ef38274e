package profile

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
)

// Severity says whether a Problem stops the profile from being used.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem is one finding of Check, in a form for scripts and the GUI.
type Problem struct {
	File      string   `json:"file"`
	Line      int      `json:"line"` // 0: the profile as a whole
	Directive string   `json:"directive,omitempty"`
	Severity  Severity `json:"severity"`
	Message   string   `json:"message"`
	Fix       string   `json:"fix,omitempty"`
}

// CheckFile parses the profile at path like ParseFile and returns every
// finding, errors and warnings alike, in line order (findings about the
// whole profile last). The Profile is nil when there is an error; err is
// non-nil only when the file could not be read at all.
func CheckFile(path string) (*Profile, []Problem, error) {
	data, err := readCapped(path, MaxProfileSize)
	if err != nil {
		return nil, nil, fmt.Errorf("read profile: %w", err)
	}
	name := filepath.Base(path)
	p, warns, errs := parse(data, ParseOptions{Name: name, Dir: filepath.Dir(path)})
	return p, problems(name, warns, errs), nil
}

// Problems lists the findings of a Parse error (an ErrorList) as Problems;
// other errors become one problem for the whole profile.
func Problems(name string, err error) []Problem {
	var list ErrorList
	if errors.As(err, &list) {
		return problems(name, nil, list)
	}
	if err == nil {
		return nil
	}
	return []Problem{{File: name, Severity: SeverityError, Message: err.Error()}}
}

func problems(name string, warns []Warning, errs ErrorList) []Problem {
	out := make([]Problem, 0, len(warns)+len(errs))
	for _, e := range errs {
		out = append(out, Problem{File: e.File, Line: e.Line, Directive: e.Directive, Severity: SeverityError, Message: e.Msg, Fix: e.Fix})
	}
	for _, w := range warns {
		out = append(out, Problem{File: name, Line: w.Line, Directive: w.Directive, Severity: SeverityWarning, Message: w.Text})
	}
	rank := func(line int) int {
		if line == 0 {
			return int(^uint(0) >> 1)
		}
		return line
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Line) < rank(out[j].Line) })
	return out
}
