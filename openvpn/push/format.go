package push

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// String renders the options one setting per line, in a fixed order, with
// the auth-token redacted: safe to log, and two renderings diff cleanly.
func (o *Options) String() string {
	var w lines
	w.add("topology", o.Topology.String())
	if o.IPv4.Address.IsValid() {
		w.add("ifconfig", o.IPv4.Address.String(), peer(o.IPv4.Peer))
	}
	if o.IPv6.Address.IsValid() {
		w.add("ifconfig-ipv6", o.IPv6.Address.String(), peer(o.IPv6.Peer))
	}
	w.addr("gateway", o.Gateway4)
	w.addr("gateway-ipv6", o.Gateway6)
	w.flag("route-gateway-dhcp", o.RouteGatewayDHCP)
	for _, r := range o.Routes {
		w.add("route", r.String())
	}
	for _, r := range o.Routes6 {
		w.add("route-ipv6", r.String())
	}
	w.num("route-metric", o.RouteMetric)
	if o.Redirect != (Redirect{}) {
		w.add("redirect", o.Redirect.String())
	}
	w.flag("block-ipv6", o.BlockIPv6)

	d := o.DHCP
	for _, a := range d.DNS {
		w.add("dhcp-option DNS", a.String())
	}
	w.list("dhcp-option DOMAIN", d.Domains)
	w.list("dhcp-option DOMAIN-SEARCH", d.DomainSearch)
	w.list("dhcp-option DOMAIN-ROUTE", d.DomainRoute)
	for _, a := range d.NTP {
		w.add("dhcp-option NTP", a.String())
	}
	for _, a := range d.WINS {
		w.add("dhcp-option WINS", a.String())
	}
	for _, a := range d.NBDD {
		w.add("dhcp-option NBDD", a.String())
	}
	if d.NBS != "" {
		w.add("dhcp-option NBS", d.NBS)
	}
	w.num("dhcp-option NBT", d.NBT)
	w.flag("dhcp-option DISABLE-NBT", d.DisableNBT)
	if len(o.DNS.SearchDomains) > 0 {
		w.add("dns search-domains", o.DNS.SearchDomains...)
	}
	for _, s := range o.DNS.Servers {
		w.add(fmt.Sprintf("dns server %d", s.Priority), s.String())
	}
	w.flag("block-outside-dns", o.BlockOutsideDNS)
	w.flag("register-dns", o.RegisterDNS)

	if o.Ping > 0 {
		w.add("ping", o.Ping.String())
	}
	if o.PingTimeout > 0 {
		action := "ping-restart"
		if o.PingTimeoutAction == PingExit {
			action = "ping-exit"
		}
		w.add(action, o.PingTimeout.String())
	}
	if o.Inactive > 0 {
		w.add("inactive", o.Inactive.String(), fmt.Sprint(o.InactiveBytes))
	}
	if o.SessionTimeout > 0 {
		w.add("session-timeout", o.SessionTimeout.String())
	}
	if o.HasPeerID {
		w.add("peer-id", fmt.Sprint(o.PeerID))
	}
	if o.Cipher != "" {
		w.add("cipher", o.Cipher)
	}
	if o.Auth != "" {
		w.add("auth", o.Auth)
	}
	if o.ProtocolFlags != 0 {
		w.add("protocol-flags", o.ProtocolFlags.String())
	}
	w.num("tun-mtu", o.TunMTU)
	if o.Compression.Directive != "" {
		w.add(o.Compression.Directive, o.Compression.Algorithm)
	}
	w.num("explicit-exit-notify", o.ExplicitExitNotify)
	if o.AuthToken != "" {
		w.add("auth-token", o.AuthToken.String())
	}
	if o.AuthTokenUser != "" {
		w.add("auth-token-user", o.AuthTokenUser)
	}
	for _, e := range o.Echo {
		w.add("echo", e)
	}
	for _, e := range o.SetEnv {
		w.add("setenv-safe", e.Name, e.Value)
	}
	w.list("ignored", o.Ignored)
	for _, s := range o.Warnings {
		w.add("warning", s)
	}
	return w.String()
}

// Format makes every fmt verb use String, so %+v cannot print the token
// through the struct fields.
func (o *Options) Format(f fmt.State, _ rune) { io.WriteString(f, o.String()) }

// String renders the redirect flags as the option would spell them.
func (r Redirect) String() string {
	var f []string
	add := func(on bool, s string) {
		if on {
			f = append(f, s)
		}
	}
	add(r.Enabled && r.IPv4, "gateway")
	add(r.Enabled && !r.IPv4, "private")
	add(!r.Enabled, "disabled")
	add(r.Def1, "def1")
	add(r.BypassDHCP, "bypass-dhcp")
	add(r.BypassDNS, "bypass-dns")
	add(r.Local, "local")
	add(r.AutoLocal, "autolocal")
	add(r.BlockLocal, "block-local")
	add(r.IPv6, "ipv6")
	return strings.Join(f, " ")
}

func (s DNSServer) String() string {
	var f []string
	for _, a := range s.Addresses {
		if a.Port() == 0 {
			f = append(f, a.Addr().String())
		} else {
			f = append(f, a.String())
		}
	}
	if len(s.ResolveDomains) > 0 {
		f = append(f, "resolve-domains "+strings.Join(s.ResolveDomains, " "))
	}
	if s.DNSSEC != "" {
		f = append(f, "dnssec "+s.DNSSEC)
	}
	if s.Transport != "" {
		f = append(f, "transport "+s.Transport)
	}
	if s.SNI != "" {
		f = append(f, "sni "+s.SNI)
	}
	return strings.Join(f, " ")
}

func peer(a netip.Addr) string {
	if a.IsValid() {
		return "peer " + a.String()
	}
	return ""
}

type lines struct{ sb strings.Builder }

func (l *lines) add(key string, vals ...string) {
	l.sb.WriteString(key)
	for _, v := range vals {
		if v != "" {
			l.sb.WriteByte(' ')
			l.sb.WriteString(v)
		}
	}
	l.sb.WriteByte('\n')
}

func (l *lines) addr(key string, a netip.Addr) {
	if a.IsValid() {
		l.add(key, a.String())
	}
}

func (l *lines) flag(key string, on bool) {
	if on {
		l.add(key)
	}
}

func (l *lines) num(key string, n int) {
	if n != 0 {
		l.add(key, fmt.Sprint(n))
	}
}

func (l *lines) list(key string, vals []string) {
	if len(vals) > 0 {
		l.add(key, strings.Join(vals, " "))
	}
}

func (l *lines) String() string { return l.sb.String() }
