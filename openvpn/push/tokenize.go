package push

import (
	"errors"
	"strings"
)

// Limits of options.c:parse_line.
const (
	maxParams   = 16  // MAX_PARMS: further parameters are dropped
	maxParamLen = 255 // OPTION_PARM_SIZE minus the NUL
)

var (
	errBadBackslash = errors.New("bad backslash escape")
	errOpenQuote    = errors.New("no closing quotation mark")
	errLongParam    = errors.New("parameter longer than 255 bytes")
)

// tokenize splits one pushed option into parameters the way
// options.c:parse_line does: white space separates, "…" and '…' quote, a
// backslash outside single quotes escapes a backslash, a double quote or
// white space, and ';' or '#' at the start of a parameter begins a comment.
func tokenize(line string) ([]string, error) {
	const (
		initial = iota
		unquoted
		dquoted
		squoted
	)
	var (
		params    []string
		cur       strings.Builder
		state     = initial
		backslash bool
	)
	emit := func() {
		if len(params) < maxParams {
			params = append(params, cur.String())
		}
		cur.Reset()
		state = initial
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		if !backslash && c == '\\' && state != squoted {
			backslash = true
			continue
		}
		var out byte
		hasOut := false
		switch state {
		case initial:
			if isSpace(c) {
				break
			}
			if !backslash && (c == ';' || c == '#') {
				return params, nil
			}
			switch {
			case !backslash && c == '"':
				state = dquoted
			case !backslash && c == '\'':
				state = squoted
			default:
				out, hasOut = c, true
				state = unquoted
			}
		case unquoted:
			if !backslash && isSpace(c) {
				emit()
			} else {
				out, hasOut = c, true
			}
		case dquoted:
			if !backslash && c == '"' {
				emit()
			} else {
				out, hasOut = c, true
			}
		case squoted:
			if c == '\'' {
				emit()
			} else {
				out, hasOut = c, true
			}
		}
		if backslash && hasOut && !(out == '\\' || out == '"' || isSpace(out)) {
			return nil, errBadBackslash
		}
		backslash = false
		if hasOut {
			if cur.Len() >= maxParamLen {
				return nil, errLongParam
			}
			cur.WriteByte(out)
		}
	}
	switch state {
	case unquoted:
		emit()
	case dquoted, squoted:
		return nil, errOpenQuote
	}
	return params, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
