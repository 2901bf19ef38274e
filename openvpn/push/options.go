package push

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Options is a complete PUSH_REPLY, parsed and resolved: routes carry their
// gateway, the interface address carries its prefix length, defaults that
// depend on other options (topology, route-gateway, route-metric) are
// applied. Slices keep push order, so two Options compare with
// reflect.DeepEqual and their String forms diff line by line.
type Options struct {
	// Topology is the pushed topology, or net30 (OpenVPN 2.6's default)
	// when none was pushed.
	Topology Topology
	// IPv4 is "ifconfig": Address carries the prefix length (the netmask
	// for subnet, /30 for net30, /32 for p2p); Peer is the remote end for
	// net30 and p2p.
	IPv4 Interface
	// IPv6 is "ifconfig-ipv6 addr/bits remote".
	IPv6 Interface
	// Gateway4 is the IPv4 gateway routes use by default: route-gateway,
	// or for net30/p2p the peer address. Invalid when neither is known.
	Gateway4 netip.Addr
	// Gateway6 is route-ipv6-gateway, or the ifconfig-ipv6 remote.
	Gateway6 netip.Addr
	// RouteGatewayDHCP: "route-gateway dhcp" (meaningful for tap only).
	RouteGatewayDHCP bool
	Routes           []Route
	Routes6          []Route
	// RouteMetric is "route-metric", already applied to routes that have
	// no metric of their own. Zero when not pushed.
	RouteMetric int
	Redirect    Redirect
	BlockIPv6   bool
	// DHCP holds "dhcp-option" values; DNS the 2.6 "dns" option. Use
	// Resolvers for the combination a 2.6 client applies.
	DHCP            DHCPOptions
	DNS             DNSOptions
	BlockOutsideDNS bool
	RegisterDNS     bool

	// Ping is "ping": send a keepalive after this much idle sending time.
	Ping time.Duration
	// PingTimeout is "ping-restart" or "ping-exit" (the last one pushed
	// wins): act when nothing was received for this long.
	PingTimeout       time.Duration
	PingTimeoutAction PingAction
	// Inactive is "inactive N [bytes]": exit after N of less than
	// InactiveBytes of traffic.
	Inactive       time.Duration
	InactiveBytes  int64
	SessionTimeout time.Duration

	// HasPeerID: "peer-id" was pushed; send P_DATA_V2 with PeerID.
	HasPeerID bool
	PeerID    uint32
	// Cipher is the negotiated data cipher. Auth is a pushed "auth" (a
	// stock 2.6 client refuses to take it from a push; use the profile's).
	Cipher, Auth  string
	ProtocolFlags ProtocolFlags
	// TunMTU is the pushed "tun-mtu" (sent only if IV_MTU was); 0 if none.
	TunMTU      int
	Compression Compression
	// ExplicitExitNotify is the number of exit notifications to send.
	ExplicitExitNotify int

	// AuthToken replaces the password in every later key-method 2 (of
	// renegotiations and reconnects). AuthTokenUser, when pushed, replaces
	// the username too.
	AuthToken     Secret
	AuthTokenUser string

	Echo   []string
	SetEnv []EnvVar

	// Pushed lists each directive name once, in the order first seen, so
	// an update (2.6 re-sends "PUSH_REPLY,auth-token …" after a rekey) can
	// be merged by name.
	Pushed []string
	// Ignored lists options dropped on purpose: known but meaningless
	// here (tun-ipv6, persist-tun, …), removed by route-nopull or by the
	// pull filter.
	Ignored []string
	// Warnings are for the log: unknown options and odd values.
	Warnings []string
}

// Topology is the tun interface model.
type Topology uint8

const (
	TopologyNet30 Topology = iota
	TopologyP2P
	TopologySubnet
)

func (t Topology) String() string {
	switch t {
	case TopologyNet30:
		return "net30"
	case TopologyP2P:
		return "p2p"
	case TopologySubnet:
		return "subnet"
	}
	return fmt.Sprintf("Topology(%d)", uint8(t))
}

// Interface is an address of the tun device.
type Interface struct {
	// Address is the local address with its prefix length; invalid when
	// nothing was pushed.
	Address netip.Prefix
	// Peer is the remote end of a point-to-point link, if any.
	Peer netip.Addr
}

// Route is one pushed route, IPv4 or IPv6.
type Route struct {
	Prefix netip.Prefix
	// Gateway is where the route points: the given address, or the
	// default gateway (Gateway4/Gateway6). It is invalid for NetGateway
	// routes and for IPv6 routes with no gateway known (on-link).
	Gateway netip.Addr
	// NetGateway: the route goes via the pre-VPN default gateway
	// ("net_gateway"), which only the OS layer knows.
	NetGateway bool
	HasMetric  bool
	Metric     int
}

func (r Route) String() string {
	var sb strings.Builder
	sb.WriteString(r.Prefix.String())
	switch {
	case r.NetGateway:
		sb.WriteString(" via net_gateway")
	case r.Gateway.IsValid():
		sb.WriteString(" via " + r.Gateway.String())
	}
	if r.HasMetric {
		fmt.Fprintf(&sb, " metric %d", r.Metric)
	}
	return sb.String()
}

// Redirect is "redirect-gateway" / "redirect-private" and their flags
// (options.c, route.h RG_*). Installing the def1 halves, the server host
// route and the IPv6 /3 and /4 routes is the OS layer's job.
type Redirect struct {
	// Enabled: either directive was pushed (and not cancelled by !ipv4).
	Enabled bool
	// IPv4: redirect-gateway, route all IPv4 through the VPN.
	IPv4 bool
	// IPv6: the "ipv6" flag, route all IPv6 through the VPN.
	IPv6 bool
	// Def1 uses 0.0.0.0/1 and 128.0.0.0/1 instead of replacing the
	// default route.
	Def1                  bool
	BypassDHCP, BypassDNS bool
	// Local: the server is on the local subnet, no host route to it.
	Local, AutoLocal, BlockLocal bool
}

// DHCPOptions are the "dhcp-option" values (what a Windows client feeds to
// the adapter and a Linux client passes to its DNS script).
type DHCPOptions struct {
	// DNS holds "DNS" and "DNS6" servers, IPv4 and IPv6, in push order.
	DNS []netip.Addr
	// Domains are "DOMAIN" and "ADAPTER_DOMAIN_SUFFIX" values; Windows
	// uses the last as the connection suffix.
	Domains      []string
	DomainSearch []string
	// DomainRoute holds "DOMAIN-ROUTE" values: names whose queries go to
	// the VPN's servers ("." for all), as systemd-resolved's helper
	// script reads them.
	DomainRoute []string
	NTP         []netip.Addr
	WINS        []netip.Addr
	NBDD        []netip.Addr
	NBS         string
	NBT         int
	DisableNBT  bool
}

// DNSOptions is the 2.6 "dns" option.
type DNSOptions struct {
	SearchDomains []string
	// Servers are sorted by priority, lowest (most preferred) first.
	Servers []DNSServer
}

// DNSServer is one "dns server N …" entry.
type DNSServer struct {
	Priority int
	// Addresses have port 0 when none was given (53, or 853 for DoT).
	Addresses []netip.AddrPort
	// ResolveDomains limits the server to these domains (split DNS).
	ResolveDomains []string
	// DNSSEC is "", "yes", "no" or "optional"; Transport "", "plain",
	// "DoH" or "DoT"; SNI the TLS server name for DoH/DoT.
	DNSSEC, Transport, SNI string
}

// PingAction is what to do when PingTimeout expires.
type PingAction uint8

const (
	PingRestart PingAction = iota // "ping-restart": reconnect
	PingExit                      // "ping-exit": stop
)

// ProtocolFlags are the pushed "protocol-flags" (and "key-derivation").
type ProtocolFlags uint8

const (
	// FlagCCExit: send our exit notification as an EXIT control message.
	FlagCCExit ProtocolFlags = 1 << iota
	// FlagTLSEKM: derive data keys by TLS export (keys.FromExporter); set
	// by "protocol-flags tls-ekm" and by "key-derivation tls-ekm".
	FlagTLSEKM
	// FlagDynTLSCrypt: wrap renegotiations with dynamic tls-crypt keys.
	FlagDynTLSCrypt
)

func (f ProtocolFlags) String() string {
	var names []string
	for _, n := range []struct {
		f    ProtocolFlags
		name string
	}{{FlagCCExit, "cc-exit"}, {FlagTLSEKM, "tls-ekm"}, {FlagDynTLSCrypt, "dyn-tls-crypt"}} {
		if f&n.f != 0 {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, " ")
}

// CompressionFraming is the data-channel framing a compression option
// implies (the datachannel package's Compression has the same cases).
type CompressionFraming uint8

const (
	CompFramingNone CompressionFraming = iota // nothing pushed
	CompFramingLZO                            // comp-lzo …, compress lzo: one-byte prefix
	CompFramingSwap                           // compress, compress stub, compress lz4: swap
	CompFramingV2                             // compress stub-v2, compress lz4-v2
)

// Compression is a pushed "comp-lzo" or "compress".
type Compression struct {
	// Directive is "comp-lzo" or "compress"; empty when none was pushed.
	Directive string
	// Algorithm is its argument as pushed ("" when none).
	Algorithm string
	Framing   CompressionFraming
	// Compressing: not a stub, so the server may send compressed packets
	// (which cvpn refuses; a 2.6 client with allow-compression no
	// refuses such a push).
	Compressing bool
}

// EnvVar is a "setenv-safe" pair (a stock client exports it as
// OPENVPN_<Name> to its scripts).
type EnvVar struct {
	Name, Value string
}
