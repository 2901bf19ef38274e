package profile

import (
	"slices"
	"strconv"
	"strings"
)

// Proxy directives, as OpenVPN 2.6's options.c reads them:
//
//	http-proxy HOST PORT [AUTHFILE|'auto'|'auto-nct'] [none|basic|ntlm|ntlm2|digest]
//	http-proxy-option VERSION 1.0|1.1 | AGENT TEXT | CUSTOM-HEADER NAME [CONTENT]
//	http-proxy-user-pass FILE|<block>        (global, not per connection)
//	socks-proxy HOST [PORT] [AUTHFILE]       (port defaults to 1080)
//	http-proxy-retry, socks-proxy-retry, http-proxy-timeout
//	                                         deprecated no-ops since 2.4
//	http-proxy-override HOST PORT [nct]      (a management client's option:
//	                                         every TCP remote goes through the
//	                                         proxy, UDP remotes are dropped)
//
// http-proxy and socks-proxy are connection-entry options: set above the
// <connection> blocks they are defaults the blocks copy. An auth file is read
// when parsing and inlined, so a stored profile needs nothing else: for HTTP
// as an <http-proxy-user-pass> block (which stock OpenVPN reads too), for
// SOCKS as a <socks-proxy-user-pass> block, cvpn's own, preceded by
// ignore-unknown-option so that stock OpenVPN skips it.

// connProxy is the proxy state of one connection entry.
type connProxy struct {
	http      Proxy // Host == "" until http-proxy is seen
	httpLine  int
	optLine   int // first http-proxy-option
	socks     Proxy
	socksLine int
}

// proxyGlobals are the proxy options that apply to every connection.
type proxyGlobals struct {
	httpUserPass, socksUserPass fileSlot
	httpAsk, socksAsk           bool // "stdin" as the file
	override                    *Proxy
	overrideLine                int
	reported                    map[int]bool // lines already reported by remoteProxy
}

// proxyW returns the current scope's proxy state for writing, copied so
// that a <connection> block never changes the defaults it started from.
func (p *parser) proxyW() *connProxy {
	c := connProxy{}
	if p.conn.proxy != nil {
		c = *p.conn.proxy
		c.http.Headers = slices.Clip(c.http.Headers)
	}
	p.conn.proxy = &c
	return &c
}

// userPassFile reads the auth file named by a proxy directive: "stdin"
// asks, anything else is a file read like auth-user-pass. Credentials read
// from a file are inlined as a <tag> block in place of d's line, followed by
// the directive rewritten to say "stdin" (so a profile exported without the
// block asks rather than fails).
func (p *parser) userPassFile(d *directive, file, tag string, rewritten string, before ...string) (user, pass string, ask, ok bool) {
	if file == "stdin" {
		return "", "", true, true
	}
	data, _, fromFile, ok := p.fileArg(&directive{name: tag, args: []string{file}, line: d.line})
	if !ok {
		return "", "", false, false
	}
	user, pass, problem := splitUserPass(string(data))
	if problem != "" {
		p.errorf(d.line, d.name, "the credentials file %q: %s", "put the proxy username on the first line and the password on the second", printable(file), problem)
		return "", "", false, false
	}
	if fromFile {
		if p.inBlock > 0 {
			p.errorf(d.line, d.name, "reads proxy credentials from %q inside a <connection> block, which cannot be made self-contained",
				"put the credentials in a <"+tag+"> block at the top level of the profile and write `stdin` instead of the file name", printable(file))
			return "", "", false, false
		}
		text := user + "\n"
		if pass != "" {
			text += pass + "\n"
		}
		if !p.inlineAs(d, tag, text, rewritten) {
			return "", "", false, false
		}
		if len(before) > 0 {
			p.src.repl[d.line] = append(before, p.src.repl[d.line]...)
		}
	}
	return user, pass, false, true
}

func (p *parser) httpProxy(d *directive) {
	host := d.args[0]
	if !validHost(host) {
		p.errorf(d.line, d.name, "%q is not a host name or IP address", "write `http-proxy HOST PORT [AUTHFILE|auto|auto-nct] [basic]`", printable(host))
		return
	}
	if len(d.args) < 2 {
		p.errorf(d.line, d.name, "the proxy's port is missing", "write `http-proxy HOST PORT`, for example `http-proxy proxy.example.com 3128`")
		return
	}
	port, ok := p.portArg(d, d.args[1])
	if !ok {
		return
	}
	x := Proxy{Type: ProxyHTTP, Host: host, Port: port, Line: d.line}
	if len(d.args) > 2 {
		switch a := d.args[2]; a {
		case "auto":
			x.Auth = ProxyAuthAuto
		case "auto-nct":
			x.Auth = ProxyAuthAutoNCT
		default:
			x.Auth = ProxyAuthBasic
			if len(d.args) > 3 {
				switch m := strings.ToLower(d.args[3]); m {
				case "basic":
				case "none":
					x.Auth = ProxyAuthNone
				case "ntlm", "ntlm2", "digest":
					p.errorf(d.line, d.name, "%s proxy authentication is not supported by cvpn; it only does basic", "ask for basic authentication on the proxy (`http-proxy HOST PORT AUTHFILE basic`), or use a SOCKS proxy", m)
					return
				default:
					p.errorf(d.line, d.name, "unknown proxy authentication method %q", "use basic (or none)", printable(d.args[3]))
					return
				}
			}
			if x.Auth == ProxyAuthBasic && !isInlineMarker(a) {
				rewritten := "http-proxy " + host + " " + strconv.Itoa(port) + " stdin basic"
				user, pass, ask, ok := p.userPassFile(d, a, "http-proxy-user-pass", rewritten)
				if !ok {
					return
				}
				x.Username, x.Password, x.AskCredentials = user, pass, ask
			}
		}
	}
	c := p.proxyW()
	// Options given before the http-proxy line apply to it, as in OpenVPN.
	x.HTTPVersion, x.UserAgent, x.Headers = c.http.HTTPVersion, c.http.UserAgent, c.http.Headers
	c.http, c.httpLine = x, d.line
}

func (p *parser) httpProxyOption(d *directive) {
	kind := strings.ToUpper(d.args[0])
	bad := func(fix string) {
		p.errorf(d.line, d.name, "bad %s option", fix, printable(d.args[0]))
	}
	var hdr *HTTPHeader
	switch kind {
	case "VERSION":
		if len(d.args) != 2 || (d.args[1] != "1.0" && d.args[1] != "1.1") {
			bad("write `http-proxy-option VERSION 1.0` or `VERSION 1.1`")
			return
		}
	case "AGENT":
		if len(d.args) != 2 || !headerValueOK(d.args[1]) {
			bad("write `http-proxy-option AGENT \"text\"`")
			return
		}
	case "CUSTOM-HEADER", "EXT1", "EXT2":
		if len(d.args) < 2 || !headerNameOK(d.args[1]) || (len(d.args) == 3 && !headerValueOK(d.args[2])) {
			bad("write `http-proxy-option CUSTOM-HEADER Name \"value\"` with a header name of letters, digits and dashes")
			return
		}
		hdr = &HTTPHeader{Name: d.args[1]}
		if len(d.args) == 3 {
			hdr.Value = d.args[2]
		}
	default:
		p.errorf(d.line, d.name, "unknown http-proxy-option %q", "use VERSION, AGENT or CUSTOM-HEADER", printable(d.args[0]))
		return
	}
	c := p.proxyW()
	if c.optLine == 0 {
		c.optLine = d.line
	}
	switch {
	case kind == "VERSION":
		c.http.HTTPVersion = d.args[1]
	case kind == "AGENT":
		c.http.UserAgent = d.args[1]
	case len(c.http.Headers) >= MaxProxyHeaders:
		p.errorf(d.line, d.name, "more than %d custom headers", "keep the headers the proxy needs", MaxProxyHeaders)
	default:
		c.http.Headers = append(c.http.Headers, *hdr)
	}
}

// headerNameOK accepts an HTTP token (RFC 9110), so that no header line
// can be split or forged.
func headerNameOK(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// headerValueOK refuses control characters, which could end the header.
func headerValueOK(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func (p *parser) httpProxyUserPass(d *directive) {
	if !d.inline && d.args[0] == "stdin" {
		p.proxyG.httpAsk = true
		return
	}
	p.proxyUserPassBlock(d, &p.proxyG.httpUserPass)
}

// socksProxyUserPass reads cvpn's <socks-proxy-user-pass> block, which holds
// the credentials of a socks-proxy auth file once the profile is stored.
func (p *parser) socksProxyUserPass(d *directive) {
	if !d.inline && d.args[0] == "stdin" {
		p.proxyG.socksAsk = true
		return
	}
	p.proxyUserPassBlock(d, &p.proxyG.socksUserPass)
}

func (p *parser) proxyUserPassBlock(d *directive, slot *fileSlot) {
	p.credentialsFile(d, slot, "put the proxy username on the first line and the password on the second")
}

func (p *parser) socksProxy(d *directive) {
	host := d.args[0]
	if !validHost(host) {
		p.errorf(d.line, d.name, "%q is not a host name or IP address", "write `socks-proxy HOST [PORT] [AUTHFILE]`", printable(host))
		return
	}
	x := Proxy{Type: ProxySOCKS5, Host: host, Port: 1080, Line: d.line}
	if len(d.args) > 1 {
		port, ok := p.portArg(d, d.args[1])
		if !ok {
			return
		}
		x.Port = port
	}
	if len(d.args) > 2 && !isInlineMarker(d.args[2]) {
		rewritten := "socks-proxy " + host + " " + strconv.Itoa(x.Port) + " stdin"
		user, pass, ask, ok := p.userPassFile(d, d.args[2], "socks-proxy-user-pass", rewritten,
			"ignore-unknown-option socks-proxy-user-pass")
		if !ok {
			return
		}
		x.Username, x.Password, x.AskCredentials = user, pass, ask
	}
	c := p.proxyW()
	c.socks, c.socksLine = x, d.line
}

func (p *parser) httpProxyOverride(d *directive) {
	if !validHost(d.args[0]) {
		p.errorf(d.line, d.name, "%q is not a host name or IP address", "write `http-proxy-override HOST PORT [nct]`", printable(d.args[0]))
		return
	}
	port, ok := p.portArg(d, d.args[1])
	if !ok {
		return
	}
	x := &Proxy{Type: ProxyHTTP, Host: d.args[0], Port: port, Auth: ProxyAuthAuto,
		HTTPVersion: "1.0", UserAgent: "OpenVPN-Autoproxy/1.0", Line: d.line}
	if len(d.args) > 2 && d.args[2] == "nct" {
		x.Auth = ProxyAuthAutoNCT
	}
	p.proxyG.override, p.proxyG.overrideLine = x, d.line
}

// remoteProxy checks a connection entry's proxy options and returns the
// proxy for one of its remotes, with the global credentials filled in.
func (p *parser) remoteProxy(c *connState, proto Proto) *Proxy {
	cp := c.proxy
	if cp == nil {
		return nil
	}
	once := func(line int) bool {
		if p.proxyG.reported == nil {
			p.proxyG.reported = map[int]bool{}
		}
		seen := p.proxyG.reported[line]
		p.proxyG.reported[line] = true
		return !seen
	}
	hasHTTP, hasSocks := cp.http.Host != "", cp.socks.Host != ""
	switch {
	case cp.optLine > 0 && !hasHTTP:
		if once(cp.optLine) {
			p.errorf(cp.optLine, "http-proxy-option", "there is no http-proxy for it to apply to", "add `http-proxy HOST PORT`, or remove the http-proxy-option lines")
		}
		return nil
	case hasHTTP && hasSocks:
		if once(max(cp.httpLine, cp.socksLine)) {
			p.errorf(max(cp.httpLine, cp.socksLine), "", "http-proxy and socks-proxy cannot be used together", "keep the proxy your network uses")
		}
		return nil
	case hasHTTP && proto != ProtoTCP:
		if once(cp.httpLine) {
			p.errorf(cp.httpLine, "http-proxy", "an HTTP proxy only carries TCP, and this connection uses udp (OpenVPN: \"--http-proxy MUST be used in TCP Client mode\")",
				"add `proto tcp` (or `remote HOST PORT tcp`); the server must accept TCP connections")
		}
		return nil
	}
	var x Proxy
	var slot *fileSlot
	var ask bool
	if hasHTTP {
		x, slot, ask = cp.http, &p.proxyG.httpUserPass, p.proxyG.httpAsk
		if x.HTTPVersion == "" {
			x.HTTPVersion = "1.0"
		}
	} else {
		x, slot, ask = cp.socks, &p.proxyG.socksUserPass, p.proxyG.socksAsk
	}
	// http-proxy-user-pass wins over the auth file (OpenVPN's auth_file_up).
	if slot.set && slot.data != nil {
		x.Username, x.Password, _ = splitUserPass(string(slot.data))
		x.AskCredentials = false
	} else if ask {
		x.AskCredentials = true
	}
	if x.Type == ProxyHTTP && x.Auth == ProxyAuthBasic && x.Username == "" {
		x.AskCredentials = true
	}
	x.Headers = slices.Clone(x.Headers)
	return &x
}

// finishProxy applies http-proxy-override, which OpenVPN sets on every TCP
// connection entry, disabling the UDP ones; with no TCP entry it is ignored.
func (p *parser) finishProxy() {
	if p.missing(&p.proxyG.httpUserPass, "http-proxy-user-pass") || p.missing(&p.proxyG.socksUserPass, "socks-proxy-user-pass") {
		return
	}
	o := p.proxyG.override
	if o == nil {
		return
	}
	hasTCP := false
	for _, r := range p.prof.Remotes {
		hasTCP = hasTCP || r.Proto == ProtoTCP
	}
	if !hasTCP {
		p.warnf(p.proxyG.overrideLine, "http-proxy-override", "ignored because no remote uses TCP")
		return
	}
	kept := p.prof.Remotes[:0]
	for _, r := range p.prof.Remotes {
		if r.Proto != ProtoTCP {
			continue
		}
		x := *o
		if s := &p.proxyG.httpUserPass; s.set && s.data != nil {
			x.Username, x.Password, _ = splitUserPass(string(s.data))
		}
		r.Proxy = &x
		kept = append(kept, r)
	}
	if len(kept) < len(p.prof.Remotes) {
		p.warnf(p.proxyG.overrideLine, "http-proxy-override", "the UDP remotes are not used: the proxy only carries TCP")
	}
	p.prof.Remotes = kept
}
