package profile

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// userPassMax is OpenVPN's USER_PASS_LEN (128) less the terminating NUL; a
// stock server refuses longer credentials.
const userPassMax = 127

func (p *parser) authUserPass(d *directive) {
	p.prof.Auth.UserPass = true
	if !d.inline && len(d.args) == 0 {
		// A bare auth-user-pass prompts, and like any file option the last
		// one wins in OpenVPN.
		p.userPass.put(d.line, nil, false)
		return
	}
	p.credentialsFile(d, &p.userPass, "put the username on the first line and, optionally, the password on the second")
}

// credentialsFile reads a username/password file or inline block into
// slot (auth-user-pass and the proxies' credentials): a file is inlined so
// the stored profile needs nothing else.
func (p *parser) credentialsFile(d *directive, slot *fileSlot, fix string) {
	data, placeholder, fromFile, ok := p.fileArg(d)
	if !ok {
		return
	}
	if placeholder {
		slot.put(d.line, nil, true)
		p.dropLine(d)
		return
	}
	user, pass, problem := splitUserPass(string(data))
	if problem != "" {
		p.errorf(d.line, d.name, "%s", fix, problem)
		return
	}
	text := user + "\n"
	if pass != "" {
		text += pass + "\n"
	}
	if fromFile && !p.inlineAs(d, d.name, text) {
		return
	}
	slot.put(d.line, []byte(text), false)
}

// splitUserPass reads a credentials file: username on line 1, optional
// password on line 2, as OpenVPN's get_user_pass_cr does.
func splitUserPass(text string) (user, pass, problem string) {
	lines := strings.SplitN(text, "\n", 3)
	user = strings.TrimRight(lines[0], "\r")
	if len(lines) > 1 {
		pass = strings.TrimRight(lines[1], "\r")
	}
	switch {
	case user == "":
		return "", "", "the username (first line) is empty"
	case len(user) > userPassMax || len(pass) > userPassMax:
		return "", "", "the username or password is longer than " + strconv.Itoa(userPassMax) + " bytes"
	}
	return user, pass, ""
}

func (p *parser) staticChallenge(d *directive) {
	echo, err := strconv.Atoi(d.args[1])
	if err != nil || echo < 0 || echo > 1 {
		p.errorf(d.line, d.name, "echo flag %q must be 0 or 1", "write `static-challenge \"Enter MFA code \" 1` (1 shows what the user types)", printable(d.args[1]))
		return
	}
	if strings.TrimSpace(d.args[0]) == "" {
		p.errorf(d.line, d.name, "the challenge text is empty", "write the question to show, in quotes")
		return
	}
	p.prof.Auth.StaticChallenge = &StaticChallenge{Text: d.args[0], Echo: echo == 1}
	p.challengeLine = d.line
}

func (p *parser) authRetry(d *directive) {
	switch d.args[0] {
	case "none":
		p.prof.Auth.Retry = AuthRetryNone
	case "nointeract":
		p.prof.Auth.Retry = AuthRetryNoInteract
	case "interact":
		p.prof.Auth.Retry = AuthRetryInteract
	default:
		p.errorf(d.line, d.name, "unknown value %q", "use none, nointeract or interact", printable(d.args[0]))
	}
}

func (p *parser) authTokenUser(d *directive) {
	u, err := base64.StdEncoding.DecodeString(d.args[0])
	if err != nil || len(u) == 0 || len(u) > userPassMax {
		p.errorf(d.line, d.name, "%q is not a base64-encoded user name", "write the user name in base64, or remove the line", printable(d.args[0]))
		return
	}
	p.prof.Auth.TokenUser = string(u)
}

func (p *parser) compLZO(d *directive) {
	mode := CompressLZO
	if len(d.args) > 0 {
		switch d.args[0] {
		case "no":
			mode = CompressLZONo
		case "yes", "adaptive":
		default:
			p.errorf(d.line, d.name, "unknown value %q", "use `comp-lzo no`, or remove the line if the server does not use compression", printable(d.args[0]))
			return
		}
	}
	p.setCompress(d, mode)
}

func (p *parser) compress(d *directive) {
	modes := map[string]CompressMode{
		"stub": CompressStub, "stub-v2": CompressStubV2, "migrate": CompressMigrate,
		"lzo": CompressLZO, "lz4": CompressLZ4, "lz4-v2": CompressLZ4V2,
	}
	mode := CompressStub
	if len(d.args) > 0 {
		m, ok := modes[d.args[0]]
		if !ok {
			p.errorf(d.line, d.name, "unknown algorithm %q", "use stub-v2 (framing only), or match the server", printable(d.args[0]))
			return
		}
		mode = m
	}
	p.setCompress(d, mode)
}

func (p *parser) setCompress(d *directive, mode CompressMode) {
	p.prof.Compression.Mode = mode
	p.compLine, p.compSet = d.line, true
}

func (p *parser) allowCompression(d *directive) {
	c := &p.prof.Compression
	if c.Allow == AllowNo && p.allowSet && d.args[0] != "no" {
		p.errorf(d.line, d.name, "cannot change allow-compression after it was set to no", "keep one allow-compression line")
		return
	}
	switch d.args[0] {
	case "no":
		c.Allow = AllowNo
	case "asym":
		c.Allow = AllowAsym
	case "yes":
		c.Allow = AllowYes
		p.warnf(d.line, d.name, "compressing what is sent has been used to break encryption (VORACLE); cvpn sends nothing compressed")
	default:
		p.errorf(d.line, d.name, "unknown value %q", "use no, asym or yes", printable(d.args[0]))
		return
	}
	p.allowSet = true
}

// timer handles the single-value timers.
func (p *parser) timer(d *directive) {
	lo := 0
	if d.name == "hand-window" || d.name == "tls-timeout" {
		lo = 1
	}
	v, ok := p.secondsArg(d, d.args[0], lo)
	if !ok {
		return
	}
	t := &p.prof.Timers
	switch d.name {
	case "ping":
		t.Ping, p.pingLine = v, d.line
	case "ping-restart":
		t.PingRestart, p.pingLine = v, d.line
	case "ping-exit":
		t.PingExit, p.pingLine = v, d.line
	case "hand-window":
		t.HandWindow = v
	case "tls-timeout":
		t.TLSTimeout = v
	case "session-timeout":
		t.SessionTimeout = v
	}
}

// keepalive is OpenVPN's client-side helper: ping N, ping-restart M.
func (p *parser) keepalive(d *directive) {
	ping, ok := p.secondsArg(d, d.args[0], 1)
	if !ok {
		return
	}
	restart, ok := p.secondsArg(d, d.args[1], 1)
	if !ok {
		return
	}
	if restart < 2*ping {
		p.errorf(d.line, d.name, "the restart timeout (%d s) must be at least twice the ping interval (%d s)",
			"write for example `keepalive 10 60`", int(restart/time.Second), int(ping/time.Second))
		return
	}
	p.keepPing, p.keepRestart, p.keepaliveLine = ping, restart, d.line
}

func (p *parser) renegSec(d *directive) {
	v, ok := p.secondsArg(d, d.args[0], 0)
	if !ok {
		return
	}
	p.prof.Timers.RenegInterval = v
	if len(d.args) > 1 {
		m, ok := p.secondsArg(d, d.args[1], 0)
		if !ok {
			return
		}
		p.prof.Timers.RenegMinInterval = m
	}
}

func (p *parser) renegCount(d *directive) {
	n, err := strconv.ParseInt(d.args[0], 10, 64)
	if err != nil || n < 0 {
		p.errorf(d.line, d.name, "%q is not a non-negative number", "write a whole number, or 0 to turn it off", printable(d.args[0]))
		return
	}
	if d.name == "reneg-bytes" {
		p.prof.Timers.RenegBytes = n
	} else {
		p.prof.Timers.RenegPkts = n
	}
}

func (p *parser) inactive(d *directive) {
	v, ok := p.secondsArg(d, d.args[0], 0)
	if !ok {
		return
	}
	p.prof.Timers.Inactive = v
	if len(d.args) > 1 {
		n, err := strconv.ParseInt(d.args[1], 10, 64)
		if err != nil || n < 0 {
			p.errorf(d.line, d.name, "byte count %q is not a non-negative number", "write a whole number of bytes", printable(d.args[1]))
			return
		}
		p.prof.Timers.InactiveBytes = n
	}
}

func (p *parser) setenv(d *directive) {
	name, value := d.args[0], ""
	if len(d.args) > 1 {
		value = d.args[1]
	}
	// These names are options in disguise (options.c, "setenv").
	switch {
	case name == "REMOTE_RANDOM_HOSTNAME" && len(d.args) == 1:
		p.prof.RemoteRandomHostname = true
		return
	case name == "PUSH_PEER_INFO" && len(d.args) == 1:
		p.prof.PushPeerInfo = true
		return
	case name == "SERVER_POLL_TIMEOUT" && len(d.args) == 2:
		p.connectTimeout(&directive{name: "setenv SERVER_POLL_TIMEOUT", args: d.args[1:], line: d.line})
		return
	case name == "GENERIC_CONFIG":
		p.errorf(d.line, d.name, "this is a generic configuration and cannot be used directly", "ask your VPN administrator for your own profile")
		return
	case name == "FORWARD_COMPATIBLE":
		p.forwardCompat = value == "1"
	}
	if len(p.prof.Env) >= maxListItems {
		p.errorf(d.line, d.name, "more than %d setenv lines", "remove the ones the server does not need", maxListItems)
		return
	}
	p.prof.Env = append(p.prof.Env, EnvVar{Name: name, Value: value})
}

func (p *parser) ignoreUnknownOption(d *directive) {
	for _, a := range d.args {
		a = strings.TrimPrefix(a, "--")
		if _, ok := p.ignoreUnknown[a]; !ok && len(p.ignoreUnknown) < maxListItems {
			p.ignoreUnknown[a] = d.line
		}
	}
}

func (p *parser) verb(d *directive) {
	if n, ok := p.intArg(d, d.args[0], "verbosity", 0, 11); ok {
		p.prof.Verb = n
	}
}

func (p *parser) mute(d *directive) {
	p.intArg(d, d.args[0], "count", 0, 1<<30)
}
