package profile

// The lexer follows OpenVPN 2.6 (options.c):
//
//	read_config_file   one directive per line; a UTF-8 BOM on line 1 is skipped
//	parse_line         split a line into at most 16 parameters of at most 256
//	                   bytes: "double quotes" allow \\ and \" inside, 'single
//	                   quotes' take everything literally, a backslash outside
//	                   single quotes escapes \, " or white space (anything else
//	                   is an error), and # or ; start a comment only where a
//	                   parameter would start
//	bypass_doubledash  "--remote" is "remote"
//	check_inline_file  a line holding only "<tag>" opens a block that ends at
//	                   the first line starting (after white space) with "</tag>"
//
// Lines are split on '\n' only, like fgets; a trailing '\r' is white space to
// parse_line and is dropped here so inline blocks come out clean.

import (
	"bytes"
	"strconv"
	"strings"
)

// Limits on input. OpenVPN's own line limit is 256 bytes; a longer one here
// costs nothing and spares users an error on long comments.
const (
	MaxProfileSize = 4 << 20 // the whole profile
	MaxFileSize    = 1 << 20 // each inline block and each referenced file
	MaxLineLen     = 4096    // a directive line
	MaxParamLen    = 256     // one parameter (OPTION_PARM_SIZE)
	MaxParams      = 16      // parameters on a line (MAX_PARMS)
	MaxLines       = 100000  // lines in a profile
	MaxRemotes     = 64      // remotes and <connection> blocks together
	MaxRoutes      = 1024    // route and route-ipv6 lines each
	maxListItems   = 256     // dhcp-option, pull-filter, setenv, dns, fingerprints
	utf8BOM        = "\xEF\xBB\xBF"
)

// srcLine is one line of the profile with its 1-based number.
type srcLine struct {
	num  int
	text string
}

// directive is one option as the lexer saw it.
type directive struct {
	name   string
	args   []string
	line   int
	inline bool      // written as a <name> block; body holds the content
	body   string    // block content, every line ending in "\n"
	lines  []srcLine // content of a <connection> block, for the sub-parser
	end    int       // line of the closing tag
	opt    bool      // came through "setenv opt": unknown means ignore
	// replacedBy is the line of a later directive of the same kind that
	// replaces this file reference, which is then never read.
	replacedBy int
}

// splitSource cuts a profile into lines, after the checks that make the rest
// of the parser safe: a size cap, no NUL bytes, a line-count cap.
func splitSource(data []byte) ([]srcLine, *Error) {
	if len(data) > MaxProfileSize {
		return nil, &Error{Msg: "profile is larger than " + strconv.Itoa(MaxProfileSize>>20) + " MiB",
			Fix: "this is not a client profile; check that you picked the right file"}
	}
	data = bytes.TrimPrefix(data, []byte(utf8BOM))
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, &Error{Line: bytes.Count(data[:i], []byte("\n")) + 1,
			Msg: "contains a NUL byte: a profile is a text file",
			Fix: "check that you picked the .ovpn file and not a binary file"}
	}
	text := string(data)
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil, nil
	}
	n := strings.Count(text, "\n") + 1
	if n > MaxLines {
		return nil, &Error{Msg: "profile has more than " + strconv.Itoa(MaxLines) + " lines",
			Fix: "this is not a client profile; check that you picked the right file"}
	}
	lines := make([]srcLine, 0, n)
	for i, l := range strings.Split(text, "\n") {
		lines = append(lines, srcLine{num: i + 1, text: strings.TrimSuffix(l, "\r")})
	}
	return lines, nil
}

// isSpace is C's isspace in the "C" locale plus NUL, as parse_line's space().
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0
}

// tokenize splits one line the way parse_line does. It returns the error text
// for a malformed line.
func tokenize(line string) ([]string, string) {
	const (
		initial = iota
		quoted
		unquoted
		done
		squoted
	)
	var (
		toks      []string
		parm      []byte
		state     = initial
		backslash bool
	)
	// The C loop also processes the terminating NUL; i == len(line) plays it.
	for i := 0; i <= len(line); i++ {
		var in byte
		if i < len(line) {
			in = line[i]
		}
		var out byte
		if !backslash && in == '\\' && state != squoted {
			backslash = true
			continue
		}
		switch state {
		case initial:
			if !isSpace(in) {
				if in == ';' || in == '#' {
					return finish(toks, state)
				}
				switch {
				case !backslash && in == '"':
					state = quoted
				case !backslash && in == '\'':
					state = squoted
				default:
					out = in
					state = unquoted
				}
			}
		case unquoted:
			if !backslash && isSpace(in) {
				state = done
			} else {
				out = in
			}
		case quoted:
			if !backslash && in == '"' {
				state = done
			} else {
				out = in
			}
		case squoted:
			if in == '\'' {
				state = done
			} else {
				out = in
			}
		}
		if state == done {
			toks = append(toks, string(parm))
			parm = parm[:0]
			state = initial
			if len(toks) > MaxParams {
				return nil, "more than " + strconv.Itoa(MaxParams) + " parameters on one line"
			}
		}
		if backslash && out != 0 && out != '\\' && out != '"' && !isSpace(out) {
			return nil, `bad backslash: outside single quotes a backslash may only escape \, " or a space; write a Windows path as "C:\\dir\\file" or 'C:\dir\file'`
		}
		backslash = false
		if out != 0 {
			if len(parm) >= MaxParamLen {
				return nil, "a parameter is longer than " + strconv.Itoa(MaxParamLen) + " bytes"
			}
			parm = append(parm, out)
		}
	}
	return finish(toks, state)
}

func finish(toks []string, state int) ([]string, string) {
	switch state {
	case 1:
		return nil, `no closing double quote (")`
	case 4:
		return nil, "no closing single quote (')"
	case 2:
		return nil, "the line ends with a backslash"
	}
	return toks, ""
}

// blockTag returns the tag of a line that opens an inline block: the only
// parameter, in angle brackets.
func blockTag(toks []string) (string, bool) {
	if len(toks) != 1 {
		return "", false
	}
	t := toks[0]
	if len(t) >= 2 && t[0] == '<' && t[len(t)-1] == '>' {
		return t[1 : len(t)-1], true
	}
	return "", false
}

// lex turns lines into directives, reading inline blocks. Problems are
// reported through p.errorf and the offending line is skipped, so one typo
// does not hide the rest of the file.
func (p *parser) lex(lines []srcLine) []*directive {
	var out []*directive
	for i := 0; i < len(lines) && !p.full(); i++ {
		l := lines[i]
		if len(l.text) > MaxLineLen {
			p.errorf(l.num, "", "line is longer than %d bytes", "shorten it; OpenVPN itself allows 256", MaxLineLen)
			continue
		}
		toks, bad := tokenize(l.text)
		if bad != "" {
			p.errorf(l.num, firstWord(l.text), "%s", "", bad)
			continue
		}
		if len(toks) == 0 {
			continue
		}
		if len(toks[0]) >= 3 && strings.HasPrefix(toks[0], "--") {
			toks[0] = toks[0][2:]
		}
		tag, isBlock := blockTag(toks)
		if !isBlock {
			if strings.HasPrefix(toks[0], "<") {
				p.errorf(l.num, toks[0], "an inline block tag must stand alone on its line", "put <tag> and </tag> on lines of their own")
				continue
			}
			out = append(out, &directive{name: toks[0], args: toks[1:], line: l.num})
			continue
		}
		if strings.HasPrefix(tag, "/") {
			p.errorf(l.num, "<"+tag+">", "closing tag without an opening <%s>", "remove it or add the opening tag above", tag[1:])
			continue
		}
		d := &directive{name: tag, line: l.num, inline: true}
		closeTag := "</" + tag + ">"
		var body strings.Builder
		closed, tooBig := false, false
		j := i + 1
		for ; j < len(lines); j++ {
			if strings.HasPrefix(strings.TrimLeft(lines[j].text, " \t\v\f\r"), closeTag) {
				closed = true
				break
			}
			if body.Len()+len(lines[j].text)+1 > MaxFileSize {
				tooBig = true
				continue
			}
			body.WriteString(lines[j].text)
			body.WriteByte('\n')
		}
		if !closed {
			p.errorf(l.num, tag, "<%s> block is never closed", "add a line "+closeTag+" after its content", tag)
			return out
		}
		start := i
		i = j
		d.end = lines[j].num
		if tooBig {
			p.errorf(l.num, tag, "<%s> block is larger than %d KiB", "this cannot be a key or certificate; check the block's content", tag, MaxFileSize>>10)
			continue
		}
		d.body = body.String()
		if tag == "connection" {
			d.lines = lines[start+1 : j]
		}
		out = append(out, d)
	}
	return out
}

// firstWord names a line in an error when it could not be tokenized.
func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.TrimPrefix(f[0], "--")
}
