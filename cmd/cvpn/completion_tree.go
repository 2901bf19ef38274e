package main

import (
	"flag"
	"regexp"
	"sort"
	"strings"
)

// The shell completions and the man page are generated from the command
// table and each command's flag set, so a command or flag added in one
// place shows up in help, completion and the manual alike. This file turns
// the table into the few facts the generators need.

// node is one command of the tree with its full path ("profile import").
type node struct {
	path []string
	cmd  *command
}

// key is the path as the generated scripts spell it: words joined by
// spaces, "" for the top level.
func (n node) key() string { return strings.Join(n.path, " ") }

// walk lists every command under list, parents before their children, in
// table order.
func walk(list []*command, parent []string) []node {
	var out []node
	for _, c := range list {
		path := append(append([]string(nil), parent...), c.name)
		out = append(out, node{path: path, cmd: c})
		out = append(out, walk(c.sub, path)...)
	}
	return out
}

// flagInfo is one flag as the generators show it.
type flagInfo struct {
	name  string // without dashes
	value string // the value's placeholder ("FILE"), "" for a switch
	usage string
	def   string // the default, "" when it is the zero value
}

// spelling is how completions offer the flag: Go accepts one or two
// dashes; two is what users of other tools expect, except for one-letter
// flags (-f, -n).
func (f flagInfo) spelling() string {
	if len(f.name) == 1 {
		return "-" + f.name
	}
	return "--" + f.name
}

// valueKind says what a flag's value is, so it can be completed: "file",
// "dir" or "" (free text).
func (f flagInfo) valueKind() string {
	switch {
	case f.value == "":
		return ""
	case strings.Contains(f.value, "DIR"):
		return "dir"
	case strings.Contains(f.value, "FILE") || strings.Contains(f.value, "PATH"):
		return "file"
	}
	return ""
}

// flagsOfCommand lists c's flags sorted by name; none for a group or a
// command without a flag set.
func flagsOfCommand(c *command) []flagInfo {
	if c.flags == nil {
		return nil
	}
	var out []flagInfo
	c.flags().VisitAll(func(f *flag.Flag) {
		value, usage := flag.UnquoteUsage(f)
		if isBoolFlag(f) {
			value = ""
		} else if value == "" || value == "value" {
			value = "VALUE"
		}
		def := f.DefValue
		if def == "false" || def == "0" || def == "0s" {
			def = ""
		}
		out = append(out, flagInfo{name: f.Name, value: strings.ToUpper(value), usage: usage, def: def})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// literalWord matches a word a command takes as is ("export", "bash").
var literalWord = regexp.MustCompile(`^[a-z][a-z-]*$`)

// argsOf reads what a command's positional arguments are from its synopsis:
// the literal words it accepts ("logs ... | export FILE.zip" gives
// "export", "completion bash|zsh|fish" gives the three shells) and the
// kind of its first free argument: "profile" (a stored profile or a file),
// "name" (a stored profile), "file", "command" (a cvpn command) or "".
func argsOf(c *command) (kind string, words []string) {
	for i, alt := range strings.Split(c.args, "|") {
		fields := strings.Fields(alt)
		if len(fields) == 0 {
			continue
		}
		if literalWord.MatchString(fields[0]) {
			words = append(words, fields[0])
			continue
		}
		if i != 0 {
			continue
		}
		// The first argument says what the command takes; later ones are
		// the values of flags ("[-n LINES]") or further words.
		switch first := strings.Trim(fields[0], "[]"); {
		case first == "PROFILE":
			kind = "profile"
		case first == "NAME":
			kind = "name"
		case strings.HasPrefix(first, "FILE") || strings.HasPrefix(first, "DIR"):
			kind = "file"
		case first == "COMMAND":
			kind = "command"
		}
	}
	return kind, words
}
