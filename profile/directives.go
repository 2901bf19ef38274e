package profile

import (
	"strconv"
	"strings"
)

// spec describes one directive cvpn understands.
type spec struct {
	min, max int  // parameter count; max < 0 means no limit
	conn     bool // allowed inside <connection>
	perConn  bool // sets a connection-entry default (OpenVPN warns when it follows a block)
	file     bool // takes a file: an inline block, a path, or [inline]
	fn       func(p *parser, d *directive)
	// warn, when fn is nil, is shown for a directive that is accepted and
	// ignored; "" ignores it silently.
	warn string
}

// specs is filled in init because handlers reach apply (through setenv opt
// and <connection>), which reads specs: a package-level literal would be an
// initialization cycle.
var specs map[string]*spec

func init() {
	specs = map[string]*spec{}
	add := func(names string, s spec) {
		for _, n := range strings.Fields(names) {
			c := s
			specs[n] = &c
		}
	}
	// Connection: transport, remotes, retries.
	add("remote", spec{min: 1, max: 3, conn: true, fn: (*parser).remote})
	add("proto", spec{min: 1, max: 1, conn: true, perConn: true, fn: (*parser).proto})
	add("port rport lport", spec{min: 1, max: 1, conn: true, perConn: true, fn: (*parser).port})
	add("local", spec{min: 1, max: 1, conn: true, perConn: true, fn: (*parser).local})
	add("bind", spec{max: 1, conn: true, perConn: true, fn: func(p *parser, d *directive) { p.conn.bind = true }})
	add("nobind", spec{conn: true, perConn: true, fn: func(p *parser, d *directive) { p.conn.bind = false }})
	add("float", spec{conn: true, perConn: true, fn: func(p *parser, d *directive) { p.conn.float = true }})
	add("connect-retry", spec{min: 1, max: 2, conn: true, perConn: true, fn: (*parser).connectRetry})
	add("connect-timeout server-poll-timeout", spec{min: 1, max: 1, conn: true, perConn: true, fn: (*parser).connectTimeout})
	add("connect-retry-max", spec{min: 1, max: 1, conn: true, fn: (*parser).connectRetryMax})
	add("explicit-exit-notify", spec{max: 1, conn: true, perConn: true, fn: (*parser).explicitExit})
	add("resolv-retry", spec{min: 1, max: 1, fn: (*parser).resolvRetry})
	add("remote-random", spec{fn: func(p *parser, d *directive) { p.prof.RemoteRandom = true }})
	add("remote-random-hostname", spec{fn: func(p *parser, d *directive) { p.prof.RemoteRandomHostname = true }})
	add("proto-force", spec{min: 1, max: 1, fn: (*parser).protoForce})
	add("http-proxy", spec{min: 1, max: 4, conn: true, perConn: true, fn: (*parser).httpProxy})
	add("http-proxy-option", spec{min: 1, max: 3, conn: true, perConn: true, fn: (*parser).httpProxyOption})
	add("http-proxy-user-pass", spec{min: 1, max: 1, file: true, fn: (*parser).httpProxyUserPass})
	add("socks-proxy", spec{min: 1, max: 3, conn: true, perConn: true, fn: (*parser).socksProxy})
	add("socks-proxy-user-pass", spec{min: 1, max: 1, file: true, fn: (*parser).socksProxyUserPass})
	add("http-proxy-override", spec{min: 2, max: 3, fn: (*parser).httpProxyOverride})
	add("http-proxy-retry socks-proxy-retry", spec{conn: true, warn: "deprecated since OpenVPN 2.4 and ignored: proxy connections are retried like any other (connect-retry, connect-retry-max)"})
	add("http-proxy-timeout", spec{min: 1, max: 1, conn: true, warn: "deprecated since OpenVPN 2.4 and ignored: connect-timeout bounds the whole connection, proxy included"})
	add("connection", spec{file: true, fn: (*parser).connection})
	add("dev", spec{min: 1, max: 1, fn: (*parser).dev})
	add("dev-type", spec{min: 1, max: 1, fn: (*parser).devType})
	add("client", spec{fn: func(p *parser, d *directive) { p.prof.Pull = true }})
	add("pull", spec{fn: func(p *parser, d *directive) { p.prof.Pull = true }})
	add("mode", spec{min: 1, max: 1, fn: (*parser).mode})

	// MTU.
	add("tun-mtu", spec{min: 1, max: 2, conn: true, perConn: true, fn: (*parser).tunMTU})
	add("mssfix", spec{max: 2, conn: true, perConn: true, fn: (*parser).mssfix})
	add("max-packet-size", spec{min: 1, max: 1, conn: true, perConn: true, fn: (*parser).maxPacketSize})
	add("link-mtu udp-mtu", spec{min: 1, max: 1, conn: true, warn: "deprecated and ignored; OpenVPN 2.6 computes it"})
	add("tun-mtu-extra tun-mtu-max mtu-disc", spec{min: 1, max: 1, conn: true})

	// TLS and keys.
	add("ca cert key extra-certs pkcs12", spec{min: 1, max: 1, file: true, fn: (*parser).pemFile})
	add("crl-verify", spec{min: 1, max: 2, file: true, fn: (*parser).pemFile})
	add("peer-fingerprint", spec{min: 1, max: 1, file: true, fn: (*parser).peerFingerprint})
	add("tls-auth", spec{min: 1, max: 2, conn: true, file: true, fn: (*parser).tlsAuth})
	add("tls-crypt", spec{min: 1, max: 1, conn: true, file: true, fn: (*parser).tlsCrypt})
	add("tls-crypt-v2", spec{min: 1, max: 2, conn: true, file: true, fn: (*parser).tlsCryptV2})
	add("key-direction", spec{min: 1, max: 1, conn: true, fn: (*parser).keyDirection})
	add("remote-cert-tls ns-cert-type", spec{min: 1, max: 1, fn: (*parser).remoteCertTLS})
	add("remote-cert-ku", spec{max: -1, fn: (*parser).remoteCertKU})
	add("remote-cert-eku", spec{min: 1, max: 1, fn: func(p *parser, d *directive) { p.prof.TLS.RemoteCertEKU = d.args[0] }})
	add("verify-x509-name", spec{min: 1, max: 2, fn: (*parser).verifyX509Name})
	add("tls-version-min tls-version-max", spec{min: 1, max: 2, fn: (*parser).tlsVersion})
	add("tls-cipher tls-ciphersuites tls-cert-profile tls-groups ecdh-curve", spec{min: 1, max: 1, fn: (*parser).tlsString})
	add("force-tls-key-material-export", spec{fn: func(p *parser, d *directive) { p.prof.TLS.ForceKeyMaterialExport = true }})
	add("cipher data-ciphers-fallback", spec{min: 1, max: 1, fn: (*parser).cipher})
	add("data-ciphers ncp-ciphers", spec{min: 1, max: 1, fn: (*parser).dataCiphers})
	add("auth", spec{min: 1, max: 1, fn: (*parser).authDigest})
	add("tls-client", spec{})

	// Credentials.
	add("auth-user-pass", spec{max: 1, file: true, fn: (*parser).authUserPass})
	add("static-challenge", spec{min: 2, max: 2, fn: (*parser).staticChallenge})
	add("auth-federate", spec{fn: func(p *parser, d *directive) { p.prof.Auth.Federated = true }})
	add("auth-nocache", spec{fn: func(p *parser, d *directive) { p.prof.Auth.NoCache = true }})
	add("askpass", spec{max: 1, fn: (*parser).askpass})
	add("auth-retry", spec{min: 1, max: 1, fn: (*parser).authRetry})
	add("auth-token-user", spec{min: 1, max: 1, fn: (*parser).authTokenUser})

	// Compression.
	add("comp-lzo", spec{max: 1, fn: (*parser).compLZO})
	add("compress", spec{max: 1, fn: (*parser).compress})
	add("allow-compression", spec{min: 1, max: 1, fn: (*parser).allowCompression})
	add("comp-noadapt", spec{})

	// Routing and DNS.
	add("route", spec{min: 1, max: 4, fn: (*parser).route})
	add("route-ipv6", spec{min: 1, max: 3, fn: (*parser).route6})
	add("redirect-gateway redirect-private", spec{max: -1, fn: (*parser).redirectGateway})
	add("route-nopull", spec{fn: func(p *parser, d *directive) { p.prof.Routing.NoPull = true }})
	add("route-noexec", spec{fn: func(p *parser, d *directive) { p.prof.Routing.NoExec = true }})
	add("route-metric", spec{min: 1, max: 1, fn: (*parser).routeMetric})
	add("route-gateway", spec{min: 1, max: 1, fn: (*parser).routeGateway})
	add("route-ipv6-gateway", spec{min: 1, max: 1, fn: (*parser).routeGateway6})
	add("pull-filter", spec{min: 2, max: 2, fn: (*parser).pullFilter})
	add("block-ipv6", spec{fn: func(p *parser, d *directive) { p.prof.Routing.BlockIPv6 = true }})
	add("allow-pull-fqdn", spec{fn: func(p *parser, d *directive) { p.prof.Routing.AllowPullFQDN = true }})
	add("dhcp-option", spec{min: 1, max: 3, fn: (*parser).dhcpOption})
	add("dns", spec{min: 2, max: -1, fn: (*parser).dns})
	add("block-outside-dns", spec{fn: func(p *parser, d *directive) { p.prof.DNS.BlockOutsideDNS = true }})

	// Timers.
	add("ping ping-restart ping-exit hand-window tls-timeout session-timeout", spec{min: 1, max: 1, fn: (*parser).timer})
	add("keepalive", spec{min: 2, max: 2, fn: (*parser).keepalive})
	add("reneg-sec", spec{min: 1, max: 2, fn: (*parser).renegSec})
	add("reneg-bytes reneg-pkts", spec{min: 1, max: 1, fn: (*parser).renegCount})
	add("inactive", spec{min: 1, max: 2, fn: (*parser).inactive})

	// Environment and meta options.
	add("setenv", spec{min: 1, max: 2, fn: (*parser).setenv})
	add("ignore-unknown-option", spec{min: 1, max: -1, fn: (*parser).ignoreUnknownOption})
	add("push-peer-info", spec{fn: func(p *parser, d *directive) { p.prof.PushPeerInfo = true }})
	add("script-security", spec{min: 1, max: 1, fn: (*parser).scriptSecurity})
	add("user group", spec{min: 1, max: 1, fn: (*parser).privDrop})
	add("log log-append writepid chroot setcon tmp-dir tls-export-cert memstats replay-persist", spec{min: 1, max: 1, fn: (*parser).harmlessLine})
	add("status", spec{min: 1, max: 2, fn: (*parser).harmlessLine})
	add("syslog daemon", spec{max: 1, fn: (*parser).harmlessLine})
	add("providers", spec{min: 1, max: -1, fn: (*parser).harmlessLine})
	add("verb", spec{min: 1, max: 1, fn: (*parser).verb})
	add("mute", spec{min: 1, max: 1, fn: (*parser).mute})

	// Accepted and ignored: they tune OpenVPN's own process or platform
	// details that cvpn handles itself, and none can do harm.
	add("persist-key persist-tun persist-local-ip persist-remote-ip mute-replay-warnings "+
		"suppress-timestamps machine-readable-output errors-to-stderr fast-io mlock single-session "+
		"tls-exit ping-timer-rem up-restart down-pre ifconfig-nowarn allow-recursive-routing "+
		"passtos tcp-nodelay disable-dco disable-occ preresolve use-prediction-resistance "+
		"dhcp-renew dhcp-pre-release pause-exit", spec{max: 0})
	add("up-delay", spec{max: 0})
	add("echo", spec{max: -1})
	add("nice remap-usr1 status-version txqueuelen sndbuf rcvbuf route-method tap-sleep "+
		"dev-node windows-driver win-sys replay-window tran-window topology socket-flags "+
		"ip-remote-hint compat-mode mtu-test", spec{max: 2})
	add("route-delay ip-win32 x509-track keying-material-exporter", spec{max: 4})
	add("register-dns dhcp-release", spec{max: 0})
	add("tun-ipv6", spec{warn: "obsolete and ignored; IPv6 is always on"})
	add("max-routes", spec{max: 1, warn: "obsolete and ignored; the number of routes is unlimited"})
	add("mark bind-dev", spec{min: 1, max: 1, warn: "not supported by cvpn; ignored"})
	add("shaper", spec{min: 1, max: 1, warn: "traffic shaping is not supported by cvpn; ignored"})
	add("auth-token key-derivation protocol-flags peer-id", spec{min: 1, max: -1,
		warn: "only meaningful when pushed by the server; ignored in a profile"})
}

// apply runs one directive in the current scope.
func (p *parser) apply(d *directive) {
	if d.name == "setenv" && !d.inline && len(d.args) > 0 && d.args[0] == "opt" {
		if len(d.args) < 2 {
			p.errorf(d.line, "setenv opt", "names no directive", "write `setenv opt DIRECTIVE [ARGS]` or remove the line")
			return
		}
		p.apply(&directive{name: strings.TrimPrefix(d.args[1], "--"), args: d.args[2:], line: d.line, opt: true})
		return
	}
	if helper := dnsHelper(d); helper != "" {
		p.warnf(d.line, d.name, "ignored: cvpn sets the server's DNS settings itself, so the helper script %s is not needed (cvpn never runs scripts)", printable(helper))
		return
	}
	if r, ok := refusalFor(d.name); ok {
		p.errorf(d.line, d.name, "%s", r.fix, r.msg)
		return
	}
	if p.removed(d) {
		return
	}
	sp := specs[d.name]
	if sp == nil {
		p.unknown(d)
		return
	}
	if d.inline && !sp.file {
		p.errorf(d.line, d.name, "cannot be an inline <%s> block", "write it as a directive line", d.name)
		return
	}
	if p.inBlock > 0 && !sp.conn {
		p.errorf(d.line, d.name, "cannot be used inside a <connection> block", "move it outside the block; it applies to every connection")
		return
	}
	if !d.inline {
		n := len(d.args)
		if n < sp.min || (sp.max >= 0 && n > sp.max) {
			if d.opt || p.ignored(d.name) {
				p.warnf(d.line, d.name, "wrong number of parameters; ignored as the profile asks")
				return
			}
			p.errorf(d.line, d.name, "takes %s, not %d", "check the line against the OpenVPN manual", arity(sp), n)
			return
		}
	}
	if sp.perConn && p.inBlock == 0 && len(p.blocks) > 0 {
		p.warnf(d.line, d.name, "comes after a <connection> block, so it only applies to the blocks below it")
	}
	if d.replacedBy > 0 && d.name != "tls-auth" {
		p.skipReplaced(d)
		return
	}
	if sp.fn == nil {
		if sp.warn != "" {
			p.warnf(d.line, d.name, "%s", sp.warn)
		}
		return
	}
	sp.fn(p, d)
}

func arity(sp *spec) string {
	switch {
	case sp.max < 0:
		return "at least " + plural(sp.min, "parameter")
	case sp.min == sp.max:
		return plural(sp.min, "parameter")
	default:
		return strconv.Itoa(sp.min) + " to " + plural(sp.max, "parameter")
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if n == 0 {
		return "no " + word + "s"
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func (p *parser) ignored(name string) bool {
	_, ok := p.ignoreUnknown[name]
	return ok || p.forwardCompat
}

// unknown handles a directive cvpn does not know: an error, unless the
// profile said it may be skipped, the way OpenVPN decides.
func (p *parser) unknown(d *directive) {
	switch {
	case d.opt:
		p.warnf(d.line, d.name, "unknown directive ignored (setenv opt)")
		return
	case p.forwardCompat:
		p.warnf(d.line, d.name, "unknown directive ignored (setenv FORWARD_COMPATIBLE 1)")
		return
	}
	if line, ok := p.ignoreUnknown[d.name]; ok {
		p.warnf(d.line, d.name, "unknown directive ignored (ignore-unknown-option on line %d)", line)
		return
	}
	fix := "remove it, or add `ignore-unknown-option " + printable(d.name) + "` above this line if the server does not need it"
	if near := nearestDirective(d.name); near != "" {
		fix = "did you mean " + near + "? Otherwise " + fix
	}
	e := p.errorf(d.line, d.name, "unknown directive", fix)
	p.unknowns = append(p.unknowns, unknownRef{err: e, name: d.name})
}

// nearestDirective suggests a known name within two edits, for typos.
func nearestDirective(name string) string {
	if len(name) > 40 {
		return ""
	}
	best, bestDist := "", 3
	for known := range specs {
		if dist := editDistance(name, known); dist < bestDist || (dist == bestDist && known < best) {
			best, bestDist = known, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
