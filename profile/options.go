package profile

import (
	"net/netip"
	"time"
)

// DataChannel is the data-channel cipher configuration.
type DataChannel struct {
	// Ciphers is the negotiable list (data-ciphers); default AES-256-GCM,
	// AES-128-GCM, CHACHA20-POLY1305 as in OpenVPN 2.6.
	Ciphers []string
	// Fallback is used with servers that cannot negotiate
	// (data-ciphers-fallback); "" when unset.
	Fallback string
	// Cipher is the legacy "cipher" value as written; OpenVPN 2.6 only uses it
	// if it is also in Ciphers.
	Cipher string
	// Digest is the "auth" HMAC digest for CBC ciphers and tls-auth;
	// default SHA1.
	Digest string
}

// CompressMode is the compression framing a profile asks for.
type CompressMode uint8

const (
	CompressNone    CompressMode = iota // no compression option
	CompressStub                        // "compress" or "compress stub": framing, never compressed
	CompressStubV2                      // "compress stub-v2"
	CompressLZONo                       // "comp-lzo no": LZO framing, never compressed
	CompressLZO                         // "comp-lzo [yes|adaptive]", "compress lzo"
	CompressLZ4                         // "compress lz4"
	CompressLZ4V2                       // "compress lz4-v2"
	CompressMigrate                     // "compress migrate"
)

var compressNames = [...]string{"none", "stub", "stub-v2", "lzo-no", "lzo", "lz4", "lz4-v2", "migrate"}

func (m CompressMode) String() string {
	if int(m) < len(compressNames) {
		return compressNames[m]
	}
	return "unknown"
}

// MarshalText makes CompressMode readable in JSON.
func (m CompressMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// AllowCompression is the allow-compression setting.
type AllowCompression uint8

const (
	// AllowStubOnly is OpenVPN 2.6's default: framing is accepted, nothing is
	// compressed in either direction.
	AllowStubOnly AllowCompression = iota
	AllowNo                        // allow-compression no
	AllowAsym                      // allow-compression asym: decompress only
	AllowYes                       // allow-compression yes
)

func (a AllowCompression) String() string {
	switch a {
	case AllowNo:
		return "no"
	case AllowAsym:
		return "asym"
	case AllowYes:
		return "yes"
	}
	return "stub-only"
}

// MarshalText makes AllowCompression readable in JSON.
func (a AllowCompression) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Compression is the compression configuration.
type Compression struct {
	Mode  CompressMode
	Allow AllowCompression
}

// Route is an IPv4 route from the profile (route NETWORK [MASK] [GW] [METRIC]).
type Route struct {
	// Network is an IPv4 address, a host name, or one of OpenVPN's special
	// names vpn_gateway, net_gateway, remote_host.
	Network string
	// Netmask is the zero Addr when unset ("default" or absent): a host route.
	Netmask netip.Addr
	// Gateway is "" for the VPN gateway; else an address, name or special name.
	Gateway string
	// Metric is -1 when unset.
	Metric int
	Line   int
}

// Route6 is an IPv6 route (route-ipv6 PREFIX [GW] [METRIC]).
type Route6 struct {
	Prefix  netip.Prefix
	Gateway netip.Addr // zero when unset
	Metric  int        // -1 when unset
	Line    int
}

// RedirectGateway is redirect-gateway / redirect-private with its flags.
type RedirectGateway struct {
	IPv4       bool // send all IPv4 traffic through the tunnel
	IPv6       bool // send all IPv6 traffic through the tunnel ("ipv6")
	Private    bool // redirect-private: the routing flags without the default route
	Def1       bool
	Local      bool
	AutoLocal  bool
	BypassDHCP bool
	BypassDNS  bool
	BlockLocal bool
}

// PullFilterAction is what a pull-filter does with a matching pushed option.
type PullFilterAction uint8

const (
	PullAccept PullFilterAction = iota
	PullIgnore
	PullReject
)

func (a PullFilterAction) String() string {
	switch a {
	case PullIgnore:
		return "ignore"
	case PullReject:
		return "reject"
	}
	return "accept"
}

// MarshalText makes PullFilterAction readable in JSON.
func (a PullFilterAction) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// PullFilter matches pushed options by prefix, first match wins.
type PullFilter struct {
	Action PullFilterAction
	Prefix string
}

// Routing is the client-side routing configuration.
type Routing struct {
	Routes          []Route
	Routes6         []Route6
	RedirectGateway RedirectGateway
	// NoPull ignores routes the server pushes (route-nopull).
	NoPull bool
	// NoExec leaves routes unapplied (route-noexec).
	NoExec bool
	// Metric is the default metric for routes (route-metric); 0 when unset.
	Metric int
	// Gateway is the default gateway for routes (route-gateway), "" when unset
	// or "dhcp".
	Gateway       string
	Gateway6      netip.Addr
	PullFilters   []PullFilter
	BlockIPv6     bool
	AllowPullFQDN bool
}

// DHCPOption is one dhcp-option line, kept in order.
type DHCPOption struct {
	Type  string // DNS, DNS6, DOMAIN, DOMAIN-SEARCH, WINS, NTP, ...
	Value string // "" for DISABLE-NBT
}

// DNSServer is a "dns server N ..." entry.
type DNSServer struct {
	Priority       int
	Addresses      []string // address[:port] as written
	ResolveDomains []string
	DNSSEC         string // yes, no, optional; "" when unset
	Transport      string // plain, DoH, DoT; "" when unset
	SNI            string
}

// DNS is the client-side DNS configuration.
type DNS struct {
	Options []DHCPOption
	// BlockOutsideDNS blocks DNS on other interfaces (a Windows leak guard).
	BlockOutsideDNS bool
	SearchDomains   []string
	// RouteDomains are the dhcp-option DOMAIN-ROUTE values: names whose
	// queries go to the VPN's DNS servers ("." for every name), as
	// systemd-resolved routing domains.
	RouteDomains []string
	Servers      []DNSServer
}

// Timers holds the timer options, already defaulted.
type Timers struct {
	// Ping sends a keepalive after this much silence; 0 is off (the server
	// usually pushes it). keepalive N M sets Ping=N and PingRestart=M.
	Ping        time.Duration
	PingRestart time.Duration
	PingExit    time.Duration
	// RenegInterval rekeys after this long (reneg-sec); 0 never (AWS
	// profiles use 0).
	// Default 3600 s.
	RenegInterval    time.Duration
	RenegMinInterval time.Duration // 0 when unset
	RenegBytes       int64         // 0 when unset
	RenegPkts        int64         // 0 when unset
	// HandWindow bounds a TLS handshake and the wait for PUSH_REPLY;
	// default 60 s.
	HandWindow time.Duration
	// TLSTimeout is the control-channel retransmit time; default 2 s.
	TLSTimeout time.Duration
	// Inactive disconnects after this long with less than InactiveBytes of
	// traffic; 0 is off.
	Inactive       time.Duration
	InactiveBytes  int64
	SessionTimeout time.Duration
}
