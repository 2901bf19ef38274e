package push

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ErrMalformedOption is wrapped by every *OptionError.
var ErrMalformedOption = errors.New("malformed pushed option")

// OptionError is a known option the client could not use. A stock 2.6
// client logs the same cases ("Options error: …") and carries on without
// the option; the caller decides whether to.
type OptionError struct {
	// Option is the directive name, e.g. "route".
	Option string
	// Err says what is wrong; it never quotes a secret.
	Err error
}

func (e *OptionError) Error() string { return fmt.Sprintf("push option %s: %v", e.Option, e.Err) }

// Unwrap makes errors.Is(err, ErrMalformedOption) work, and exposes Err.
func (e *OptionError) Unwrap() []error { return []error{ErrMalformedOption, e.Err} }

// rawRoute keeps a route's arguments until the gateway and the metric
// default are known (they may be pushed after the route).
type rawRoute struct {
	args []string // network [netmask [gateway [metric]]], or prefix [gateway [metric]] for IPv6
}

// parser collects options of one complete reply; finish resolves them.
type parser struct {
	o    Options
	errs []error

	topology       Topology
	topologyPushed bool
	ifconfig       []string // local, netmask-or-remote
	routeGateway   netip.Addr
	routeGateway6  netip.Addr
	routes         []rawRoute
	routes6        []rawRoute
	dnsServers     map[int]*DNSServer
	continuation   int
	routeNoPull    bool
	seenNames      map[string]bool // Pushed as a set: a hostile reply may hold many names
}

func (p *parser) fail(option, format string, args ...any) {
	p.errs = append(p.errs, &OptionError{Option: option, Err: fmt.Errorf(format, args...)})
}

func (p *parser) warn(format string, args ...any) {
	p.o.Warnings = append(p.o.Warnings, fmt.Sprintf(format, args...))
}

func (p *parser) seen(name string) {
	if p.seenNames == nil {
		p.seenNames = make(map[string]bool)
	}
	if !p.seenNames[name] {
		p.seenNames[name] = true
		p.o.Pushed = append(p.o.Pushed, name)
	}
}

// ignoredOptions are known, pushable in 2.6, and of no use to this client.
var ignoredOptions = map[string]bool{
	"tun-ipv6": true, "persist-key": true, "persist-tun": true, "persist-local-ip": true,
	"persist-remote-ip": true, "route-delay": true, "sndbuf": true, "rcvbuf": true,
	"socket-flags": true, "ip-win32": true, "route-method": true, "dhcp-renew": true,
	"dhcp-pre-release": true, "dhcp-release": true, "tap-sleep": true, "ping-timer-rem": true,
	"shaper": true, "mute": true, "verb": true, "comp-noadapt": true,
}

// noPullOptions are what route-nopull refuses (OPT_P_ROUTE and
// OPT_P_DHCPDNS in options.c).
var noPullOptions = map[string]bool{
	"route": true, "route-ipv6": true, "redirect-gateway": true, "redirect-private": true,
	"route-metric": true, "block-ipv6": true, "client-nat": true, "dhcp-option": true,
	"dns": true, "block-outside-dns": true, "register-dns": true,
}

// option parses one pushed item.
func (p *parser) option(item string) {
	params, err := tokenize(item)
	if err != nil {
		name := "?"
		if f := strings.Fields(item); len(f) > 0 {
			name = f[0]
		}
		p.fail(name, "cannot split into parameters: %w", err)
		return
	}
	if len(params) == 0 {
		return
	}
	name, args := params[0], params[1:]
	if name == "push-continuation" {
		n, err := strconv.Atoi(arg(args, 0))
		if len(args) != 1 || err != nil {
			p.fail(name, "want one number, got %q", args)
			return
		}
		p.continuation = n
		return
	}
	p.seen(name)
	if p.routeNoPull && noPullOptions[name] {
		p.o.Ignored = append(p.o.Ignored, name+" (route-nopull)")
		return
	}
	if ignoredOptions[name] {
		p.o.Ignored = append(p.o.Ignored, name)
		return
	}
	if h, ok := handlers[name]; ok {
		if len(args) < h.min || (h.max >= 0 && len(args) > h.max) {
			p.fail(name, "%d arguments, want %s", len(args), h.arity())
			return
		}
		h.fn(p, name, args)
		return
	}
	// Only the name: arguments of an unknown option could be anything.
	p.warn("unknown pushed option %q (%d arguments) ignored", name, len(args))
}

func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

type handler struct {
	min, max int // argument counts; max -1 for no limit
	fn       func(p *parser, name string, args []string)
}

func (h handler) arity() string {
	switch {
	case h.max < 0:
		return fmt.Sprintf("at least %d", h.min)
	case h.min == h.max:
		return strconv.Itoa(h.min)
	}
	return fmt.Sprintf("%d to %d", h.min, h.max)
}

// handlers maps each understood directive to its parser. The argument
// counts are those options.c:add_option requires.
var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"topology":           {1, 1, (*parser).topologyOpt},
		"ifconfig":           {2, 2, func(p *parser, _ string, a []string) { p.ifconfig = a }},
		"ifconfig-ipv6":      {2, 2, (*parser).ifconfig6},
		"route-gateway":      {1, 1, (*parser).routeGatewayOpt},
		"route-ipv6-gateway": {1, 1, (*parser).routeGateway6Opt},
		"route":              {1, 4, func(p *parser, _ string, a []string) { p.routes = append(p.routes, rawRoute{a}) }},
		"route-ipv6":         {1, 3, func(p *parser, _ string, a []string) { p.routes6 = append(p.routes6, rawRoute{a}) }},
		"route-metric":       {1, 1, func(p *parser, n string, a []string) { p.o.RouteMetric = p.nonNegative(n, a[0]) }},
		"redirect-gateway":   {0, -1, (*parser).redirect},
		"redirect-private":   {0, -1, (*parser).redirect},
		"block-ipv6":         {0, 0, func(p *parser, _ string, _ []string) { p.o.BlockIPv6 = true }},
		"dhcp-option":        {1, 3, (*parser).dhcpOption},
		"dns":                {2, -1, (*parser).dnsOpt},
		"block-outside-dns":  {0, 0, func(p *parser, _ string, _ []string) { p.o.BlockOutsideDNS = true }},
		"register-dns":       {0, 0, func(p *parser, _ string, _ []string) { p.o.RegisterDNS = true }},
		"ping":               {1, 1, func(p *parser, n string, a []string) { p.o.Ping = p.seconds(n, a[0]) }},
		"ping-restart": {1, 1, func(p *parser, n string, a []string) {
			p.o.PingTimeout, p.o.PingTimeoutAction = p.seconds(n, a[0]), PingRestart
		}},
		"ping-exit": {1, 1, func(p *parser, n string, a []string) {
			p.o.PingTimeout, p.o.PingTimeoutAction = p.seconds(n, a[0]), PingExit
		}},
		"inactive":        {1, 2, (*parser).inactive},
		"session-timeout": {1, 1, func(p *parser, n string, a []string) { p.o.SessionTimeout = p.seconds(n, a[0]) }},
		"peer-id":         {1, 1, (*parser).peerID},
		"cipher":          {1, 1, func(p *parser, _ string, a []string) { p.o.Cipher = a[0] }},
		"auth":            {1, 1, func(p *parser, _ string, a []string) { p.o.Auth = a[0] }},
		"protocol-flags":  {1, -1, (*parser).protocolFlags},
		"key-derivation":  {1, 1, (*parser).keyDerivation},
		"tun-mtu":         {1, 2, (*parser).tunMTU},
		"comp-lzo":        {0, 1, (*parser).compression},
		"compress":        {0, 1, (*parser).compression},
		"explicit-exit-notify": {0, 1, func(p *parser, n string, a []string) {
			p.o.ExplicitExitNotify = 1
			if len(a) == 1 {
				p.o.ExplicitExitNotify = p.nonNegative(n, a[0])
			}
		}},
		"auth-token":      {1, 1, func(p *parser, _ string, a []string) { p.o.AuthToken = Secret(a[0]) }},
		"auth-token-user": {1, 1, (*parser).authTokenUser},
		"echo":            {0, -1, (*parser).echo},
		"setenv-safe": {1, 2, func(p *parser, _ string, a []string) {
			p.o.SetEnv = append(p.o.SetEnv, EnvVar{a[0], arg(a, 1)})
		}},
		"setenv": {1, 2, func(p *parser, _ string, a []string) {
			p.warn("pushed setenv %q ignored: a 2.6 client only accepts setenv-safe from a server", a[0])
		}},
	}
}

func (p *parser) nonNegative(name, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		p.fail(name, "%q is not a non-negative number", s)
		return 0
	}
	return n
}

func (p *parser) seconds(name, s string) time.Duration {
	return time.Duration(p.nonNegative(name, s)) * time.Second
}

func (p *parser) topologyOpt(name string, a []string) {
	switch a[0] {
	case "net30":
		p.topology = TopologyNet30
	case "p2p":
		p.topology = TopologyP2P
	case "subnet":
		p.topology = TopologySubnet
	default:
		p.fail(name, "unknown topology %q", a[0])
		return
	}
	p.topologyPushed = true
}

func (p *parser) ifconfig6(name string, a []string) {
	pfx, err := netip.ParsePrefix(a[0])
	if err != nil || !pfx.Addr().Is6() {
		p.fail(name, "%q is not an IPv6 address/bits", a[0])
		return
	}
	if pfx.Bits() < 64 || pfx.Bits() > 124 {
		p.fail(name, "/%d: the prefix length must be between 64 and 124", pfx.Bits())
		return
	}
	remote, err := netip.ParseAddr(a[1])
	if err != nil || !remote.Is6() {
		p.fail(name, "remote %q is not an IPv6 address", a[1])
		return
	}
	p.o.IPv6 = Interface{Address: pfx, Peer: remote}
}

func (p *parser) routeGatewayOpt(name string, a []string) {
	if a[0] == "dhcp" {
		p.o.RouteGatewayDHCP = true
		return
	}
	gw, err := netip.ParseAddr(a[0])
	if err != nil || !gw.Is4() {
		p.fail(name, "%q is not an IPv4 address", a[0])
		return
	}
	p.routeGateway = gw
}

func (p *parser) routeGateway6Opt(name string, a []string) {
	gw, err := netip.ParseAddr(a[0])
	if err != nil || !gw.Is6() {
		p.fail(name, "%q is not an IPv6 address", a[0])
		return
	}
	p.routeGateway6 = gw
}

func (p *parser) redirect(name string, a []string) {
	r := &p.o.Redirect
	r.Enabled = true
	if name == "redirect-gateway" {
		r.IPv4 = true
	}
	for _, f := range a {
		switch f {
		case "local":
			r.Local = true
		case "autolocal":
			r.AutoLocal = true
		case "def1":
			r.Def1 = true
		case "bypass-dhcp":
			r.BypassDHCP = true
		case "bypass-dns":
			r.BypassDNS = true
		case "block-local":
			r.BlockLocal = true
		case "ipv6":
			r.IPv6 = true
		case "!ipv4":
			r.IPv4, r.Enabled = false, false
		default:
			p.fail(name, "unknown flag %q", f)
		}
	}
}

func (p *parser) inactive(name string, a []string) {
	p.o.Inactive = p.seconds(name, a[0])
	if len(a) == 2 {
		n, err := strconv.ParseInt(a[1], 10, 64)
		if err != nil {
			p.fail(name, "bytes %q is not a number", a[1])
			return
		}
		p.o.InactiveBytes = max(n, 0)
	}
}

func (p *parser) peerID(name string, a []string) {
	n, err := strconv.ParseUint(a[0], 10, 32)
	if err != nil || n > 0xFFFFFF {
		p.fail(name, "%q is not a 24-bit number", a[0])
		return
	}
	p.o.PeerID, p.o.HasPeerID = uint32(n), true
}

func (p *parser) protocolFlags(name string, a []string) {
	for _, f := range a {
		switch f {
		case "cc-exit":
			p.o.ProtocolFlags |= FlagCCExit
		case "tls-ekm":
			p.o.ProtocolFlags |= FlagTLSEKM
		case "dyn-tls-crypt":
			p.o.ProtocolFlags |= FlagDynTLSCrypt
		default:
			p.warn("unknown protocol-flags flag %q ignored", f)
		}
	}
}

func (p *parser) keyDerivation(name string, a []string) {
	if a[0] != "tls-ekm" {
		p.fail(name, "unknown method %q", a[0])
		return
	}
	p.o.ProtocolFlags |= FlagTLSEKM
}

func (p *parser) tunMTU(name string, a []string) {
	n := p.nonNegative(name, a[0])
	if n != 0 && (n < 68 || n > 65535) {
		p.fail(name, "%d is not a usable MTU", n)
		return
	}
	p.o.TunMTU = n
}

func (p *parser) compression(name string, a []string) {
	c := Compression{Directive: name, Algorithm: arg(a, 0)}
	switch name + " " + c.Algorithm {
	case "comp-lzo no":
		c.Framing = CompFramingLZO
	case "comp-lzo ", "comp-lzo yes", "comp-lzo adaptive", "compress lzo":
		c.Framing, c.Compressing = CompFramingLZO, true
	case "compress ", "compress stub":
		c.Framing = CompFramingSwap
	case "compress lz4":
		c.Framing, c.Compressing = CompFramingSwap, true
	case "compress stub-v2":
		c.Framing = CompFramingV2
	case "compress lz4-v2":
		c.Framing, c.Compressing = CompFramingV2, true
	default:
		p.fail(name, "unknown algorithm %q", c.Algorithm)
		return
	}
	p.o.Compression = c
}

func (p *parser) authTokenUser(name string, a []string) {
	b, err := base64.StdEncoding.DecodeString(a[0])
	if err != nil || len(b) == 0 {
		p.fail(name, "not a base64 username")
		return
	}
	p.o.AuthTokenUser = string(b)
}

func (p *parser) echo(_ string, a []string) {
	p.o.Echo = append(p.o.Echo, strings.Join(a, " "))
}
