package profile

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Limits for timers, in seconds. OpenVPN takes any positive int; cvpn caps
// them at a year so that arithmetic on them can never overflow, and rejects
// negative and non-numeric values that OpenVPN would silently turn into 0.
const maxTimer = 365 * 24 * 3600

// intArg parses a decimal integer within [lo, hi], reporting a problem that
// names the value and the range.
func (p *parser) intArg(d *directive, s, what string, lo, hi int) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil {
		p.errorf(d.line, d.name, "%s %q is not a number", "write a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi), what, printable(s))
		return 0, false
	}
	if n < lo || n > hi {
		p.errorf(d.line, d.name, "%s %d is out of range", "use a value from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi), what, n)
		return 0, false
	}
	return n, true
}

// secondsArg parses a timer in seconds within [lo, maxTimer].
func (p *parser) secondsArg(d *directive, s string, lo int) (time.Duration, bool) {
	n, ok := p.intArg(d, s, "seconds value", lo, maxTimer)
	return time.Duration(n) * time.Second, ok
}

func (p *parser) portArg(d *directive, s string) (int, bool) {
	return p.intArg(d, s, "port", 1, 65535)
}

// parseProto reads OpenVPN's proto names (socket.c proto_names). "tcp" and
// "tcp-client" are the same thing for a client; server forms are refused.
func parseProto(s string) (proto Proto, fam Family, server, ok bool) {
	s = strings.ToLower(s)
	base := s
	switch {
	case strings.HasPrefix(s, "udp4"), strings.HasPrefix(s, "tcp4"):
		fam = FamilyIPv4
		base = s[:3] + s[4:]
	case strings.HasPrefix(s, "udp6"), strings.HasPrefix(s, "tcp6"):
		fam = FamilyIPv6
		base = s[:3] + s[4:]
	}
	switch base {
	case "udp":
		return ProtoUDP, fam, false, true
	case "tcp", "tcp-client":
		return ProtoTCP, fam, false, true
	case "tcp-server":
		return ProtoTCP, fam, true, true
	}
	return 0, 0, false, false
}

func (p *parser) protoArg(d *directive, s string) (Proto, Family, bool) {
	proto, fam, server, ok := parseProto(s)
	if !ok {
		p.errorf(d.line, d.name, "unknown protocol %q", "use udp, tcp, udp4, tcp4, udp6 or tcp6", printable(s))
		return 0, 0, false
	}
	if server {
		p.errorf(d.line, d.name, "%s is the server side of TCP", "use tcp (or tcp-client) in a client profile", printable(s))
		return 0, 0, false
	}
	return proto, fam, true
}

// validHost accepts an IP literal or a DNS name (letters, digits, '-', '_').
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return !strings.Contains(h, "%")
	}
	if len(h) == 0 || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if len(label) == 0 || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func (p *parser) remote(d *directive) {
	if p.remoteCount >= MaxRemotes {
		p.errorf(d.line, d.name, "more than %d remotes", "keep the servers you actually use", MaxRemotes)
		return
	}
	p.sawRemote = true
	r := remoteLine{host: d.args[0], line: d.line}
	if !validHost(r.host) {
		p.errorf(d.line, d.name, "%q is not a host name or IP address", "write `remote HOST [PORT] [udp|tcp]`", printable(r.host))
		return
	}
	if len(d.args) > 1 {
		port, ok := p.portArg(d, d.args[1])
		if !ok {
			return
		}
		r.port = port
	}
	if len(d.args) > 2 {
		proto, fam, ok := p.protoArg(d, d.args[2])
		if !ok {
			return
		}
		r.proto, r.family, r.protoSet = proto, fam, true
	}
	p.remoteCount++
	if p.inBlock == 0 {
		p.topRemotes = append(p.topRemotes, r)
		return
	}
	// Inside a block the remote writes the entry itself, as OpenVPN's
	// connection_entry_load_re does; a later port or proto line overrides.
	if p.conn.remote != nil {
		p.warnf(d.line, d.name, "a second remote in one <connection> block replaces the first (line %d)", p.conn.remote.line)
		p.remoteCount--
	}
	p.conn.remote = &r
	if r.port != 0 {
		p.conn.port = r.port
	}
	if r.protoSet {
		p.conn.proto = r.proto
		if r.family != FamilyAny {
			p.conn.family = r.family
		}
	}
}

func (p *parser) proto(d *directive) {
	if proto, fam, ok := p.protoArg(d, d.args[0]); ok {
		p.conn.proto, p.conn.family = proto, fam
	}
}

func (p *parser) port(d *directive) {
	// lport 0 asks for any local port, as in OpenVPN.
	lo := 1
	if d.name == "lport" {
		lo = 0
	}
	n, ok := p.intArg(d, d.args[0], "port", lo, 65535)
	if !ok {
		return
	}
	switch d.name {
	case "port":
		p.conn.port, p.conn.localPort = n, n
	case "rport":
		p.conn.port = n
	case "lport":
		p.conn.localPort = n
		p.conn.bind = true
	}
}

func (p *parser) local(d *directive) {
	if !validHost(d.args[0]) {
		p.errorf(d.line, d.name, "%q is not a host name or IP address", "write `local ADDRESS` or remove the line", printable(d.args[0]))
		return
	}
	p.conn.localAddr = d.args[0]
}

func (p *parser) connectRetry(d *directive) {
	n, ok := p.secondsArg(d, d.args[0], 0)
	if !ok {
		return
	}
	// OpenVPN keeps the base in 16 bits so that the backoff cannot overflow.
	if n > 0xFFFF*time.Second {
		n = 0xFFFF * time.Second
		p.warnf(d.line, d.name, "first retry delay truncated to 65535 seconds")
	}
	p.conn.retry = n
	if len(d.args) > 1 {
		m, ok := p.secondsArg(d, d.args[1], 0)
		if !ok {
			return
		}
		p.conn.retryMax = max(m, n)
	}
}

func (p *parser) connectTimeout(d *directive) {
	if n, ok := p.secondsArg(d, d.args[0], 1); ok {
		p.conn.timeout = n
	}
}

func (p *parser) connectRetryMax(d *directive) {
	n, ok := p.intArg(d, d.args[0], "attempt count", 0, 1<<30)
	if !ok {
		return
	}
	if p.inBlock > 0 {
		// OpenVPN stores it outside the connection entry, so inside a block
		// it is lost; say so instead of pretending it works.
		p.warnf(d.line, d.name, "has no effect inside a <connection> block; move it to the top level")
		return
	}
	p.prof.ConnectRetryMax = n
}

func (p *parser) explicitExit(d *directive) {
	n := 1
	if len(d.args) > 0 {
		var ok bool
		if n, ok = p.intArg(d, d.args[0], "count", 0, 255); !ok {
			return
		}
	}
	p.conn.exitNotify = n
}

func (p *parser) resolvRetry(d *directive) {
	if d.args[0] == "infinite" {
		p.prof.ResolvRetry = Forever
		return
	}
	if n, ok := p.secondsArg(d, d.args[0], 0); ok {
		p.prof.ResolvRetry = n
	}
}

func (p *parser) protoForce(d *directive) {
	proto, _, ok := p.protoArg(d, d.args[0])
	if ok {
		p.protoForceSet, p.protoForced = true, proto
	}
}

func (p *parser) connection(d *directive) {
	if !d.inline {
		p.errorf(d.line, d.name, "must be a <connection> ... </connection> block", "put the connection's remote and options between the tags")
		return
	}
	if len(p.blocks) >= MaxRemotes {
		p.errorf(d.line, d.name, "more than %d <connection> blocks", "keep the servers you actually use", MaxRemotes)
		return
	}
	// A block starts from the connection defaults written above it
	// (OpenVPN copies options->ce), but never inherits a remote or the
	// top-level wrapping key, which stays global.
	p.sawBlock = true
	block := p.top
	block.remote = nil
	block.wrap = wrapSlots{}
	p.conn, p.inBlock = &block, len(p.blocks)+1
	subs := p.lex(d.lines)
	markReplaced(subs)
	for _, sub := range subs {
		if p.full() {
			break
		}
		p.apply(sub)
	}
	p.conn, p.inBlock = &p.top, 0
	if block.remote == nil {
		p.errorf(d.line, d.name, "<connection> block has no remote", "add a `remote HOST [PORT] [udp|tcp]` line inside the block")
		return
	}
	p.blocks = append(p.blocks, blockConn{conn: block, num: len(p.blocks) + 1})
}

func (p *parser) dev(d *directive) {
	name := d.args[0]
	p.prof.Dev = name
	p.devLine = d.line
}

func (p *parser) devType(d *directive) {
	switch d.args[0] {
	case "tun":
		p.devTypeName = "tun"
	case "tap":
		p.errorf(d.line, d.name, "tap (layer-2) devices are not supported; cvpn only does tun", "use `dev tun`; the server must use a tun device too")
	default:
		p.errorf(d.line, d.name, "unknown device type %q", "use `dev tun`", printable(d.args[0]))
	}
}

// checkDev runs at the end because dev-type may follow dev.
func (p *parser) checkDev() {
	name := p.prof.Dev
	switch {
	case p.devTypeName == "tun":
	case strings.HasPrefix(name, "tun"), strings.HasPrefix(name, "utun"):
		// utun is macOS's name for a tun device; cvpn picks its own names.
	case strings.HasPrefix(name, "tap"):
		p.errorf(p.devLine, "dev", "tap (layer-2) devices are not supported; cvpn only does tun", "use `dev tun`; the server must use a tun device too")
	case name == "null":
		p.errorf(p.devLine, "dev", "the null device carries no traffic", "use `dev tun`")
	default:
		p.errorf(p.devLine, "dev", "cannot tell the type of device %q", "use `dev tun`, or add `dev-type tun`", printable(name))
	}
}

func (p *parser) mode(d *directive) {
	switch d.args[0] {
	case "p2p":
	case "server":
		p.errorf(d.line, d.name, "%s", refuseServer.fix, refuseServer.msg)
	default:
		p.errorf(d.line, d.name, "unknown mode %q", "remove the line", printable(d.args[0]))
	}
}

func (p *parser) tunMTU(d *directive) {
	n, ok := p.intArg(d, d.args[0], "MTU", 100, 65535)
	if !ok {
		return
	}
	if len(d.args) > 1 {
		if _, ok := p.intArg(d, d.args[1], "announced MTU", 100, 65535); !ok {
			return
		}
	}
	p.conn.tunMTU, p.conn.tunMTUSet = n, true
}

func (p *parser) mssfix(d *directive) {
	c := p.conn
	if len(d.args) == 0 {
		c.mssfixSet, c.mssfix, c.mssfixEncap, c.mssfixFixed = false, 0, true, false
		return
	}
	n, ok := p.intArg(d, d.args[0], "size", 0, 65535)
	if !ok {
		return
	}
	c.mssfixSet, c.mssfix, c.mssfixEncap, c.mssfixFixed = true, n, false, false
	if len(d.args) > 1 {
		switch d.args[1] {
		case "mtu":
			c.mssfixEncap = true
		case "fixed":
			c.mssfixFixed = true
		default:
			p.errorf(d.line, d.name, "unknown flag %q", "use `mssfix N`, `mssfix N mtu` or `mssfix N fixed`", printable(d.args[1]))
		}
	}
}

func (p *parser) maxPacketSize(d *directive) {
	n, ok := p.intArg(d, d.args[0], "size", 154, 65535)
	if !ok {
		return
	}
	// Like OpenVPN: the control channel is held to 154..2048, and the same
	// value becomes an mssfix that counts the encapsulation.
	tls := min(n, 2048)
	if tls != n {
		p.warnf(d.line, d.name, "control-channel packets are limited to 2048 bytes; using 2048 for them")
	}
	p.conn.tlsMTU = tls
	p.conn.mssfixSet, p.conn.mssfix, p.conn.mssfixEncap, p.conn.mssfixFixed = true, n, true, false
}

// blockConn is a finished <connection> block awaiting the end of the file,
// when the global options it inherits are known.
type blockConn struct {
	conn connState
	num  int
}
