//go:build linux

package lab

import (
	"errors"
	"fmt"
	"strings"
)

// Proto is the transport between client and server.
type Proto string

// Transports.
const (
	UDP Proto = "udp"
	TCP Proto = "tcp"
)

// Wrap is the control-channel wrapping: nothing, an HMAC (tls-auth), or
// encryption with a shared key (tls-crypt) or a per-client key (tls-crypt-v2).
type Wrap int

// Wrappings. TLSAuth uses key-direction (server 0, client 1);
// TLSAuthNoDirection uses the same key halves in both directions, which is a
// distinct code path in a client engine.
const (
	WrapNone Wrap = iota
	WrapTLSAuth
	WrapTLSAuthNoDirection
	WrapTLSCrypt
	WrapTLSCryptV2
)

var wrapNames = []string{"none", "tls-auth", "tls-auth-nodir", "tls-crypt", "tls-crypt-v2"}

// String returns the name ParseWrap accepts.
func (w Wrap) String() string {
	if int(w) >= 0 && int(w) < len(wrapNames) {
		return wrapNames[w]
	}
	return fmt.Sprintf("wrap(%d)", int(w))
}

// ParseWrap parses one of: none, tls-auth, tls-auth-nodir, tls-crypt, tls-crypt-v2.
func ParseWrap(s string) (Wrap, error) {
	for i, n := range wrapNames {
		if strings.EqualFold(s, n) {
			return Wrap(i), nil
		}
	}
	return 0, fmt.Errorf("parse wrap %q: want one of %s", s, strings.Join(wrapNames, ", "))
}

// Compression is what the server pushes about compression. Only the forms that
// do not actually compress exist: cvpn never compresses (VORACLE), but it has
// to accept the framing these options imply.
type Compression int

// Compression settings.
const (
	CompressionOff Compression = iota // no directive at all
	CompressStubV2                    // compress stub-v2
	CompLZONo                         // comp-lzo no
	CompressStub                      // compress (bare: the stub with a one-byte header)
)

var compressionNames = []string{"off", "stub-v2", "lzo-no", "stub"}

// String returns the name ParseCompression accepts.
func (c Compression) String() string {
	if int(c) >= 0 && int(c) < len(compressionNames) {
		return compressionNames[c]
	}
	return fmt.Sprintf("compression(%d)", int(c))
}

// ParseCompression parses one of: off, stub-v2, lzo-no, stub.
func ParseCompression(s string) (Compression, error) {
	for i, n := range compressionNames {
		if strings.EqualFold(s, n) {
			return Compression(i), nil
		}
	}
	return 0, fmt.Errorf("parse compression %q: want one of %s", s, strings.Join(compressionNames, ", "))
}

// directive is the config line (server and push) for c, or "".
func (c Compression) directive() string {
	switch c {
	case CompressStubV2:
		return "compress stub-v2"
	case CompLZONo:
		return "comp-lzo no"
	case CompressStub:
		return "compress"
	}
	return ""
}

// ServerOptions describe the stock openvpn server of a lab. The zero value is
// a working server: UDP 1194, no wrapping, openvpn's default ciphers, ECDSA
// certificates, topology subnet, IPv4 tunnel only.
type ServerOptions struct {
	Proto Proto // default UDP
	Port  int   // default 1194
	// TransportIPv6 makes the client profile connect to the server's IPv6
	// link address. The server always listens dual-stack.
	TransportIPv6 bool

	Wrap Wrap
	// TLSCryptV2ForceCookie refuses tls-crypt-v2 clients that do not do the
	// HMAC cookie handshake (tls-crypt-v2 KEY force-cookie).
	TLSCryptV2ForceCookie bool

	// Auth is the digest for tls-auth and for CBC data channel HMACs (SHA1,
	// SHA256, SHA512); "" leaves openvpn's default (SHA1).
	Auth string
	// DataCiphers is the server's data-ciphers list; nil leaves openvpn's
	// default (AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305).
	DataCiphers []string
	// DataCiphersFallback is the cipher for peers that cannot negotiate
	// (data-ciphers-fallback), e.g. AES-256-CBC.
	DataCiphersFallback string
	// ForceEKM sets force-tls-key-material-export: clients that cannot use
	// the TLS exporter for data channel keys are refused.
	ForceEKM bool

	Compression Compression
	// PushRoutes adds that many pushed routes (see Addressing); more than
	// about 60 forces the server to split its PUSH_REPLY (push-continuation).
	PushRoutes int

	RenegSec          int    // reneg-sec; 0 leaves openvpn's default (3600)
	KeepaliveInterval int    // keepalive INTERVAL TIMEOUT; 0 omits the directive
	KeepaliveTimeout  int    // defaults to 4×interval when only the interval is set
	Topology          string // subnet (default), net30 or p2p
	IPv6              bool   // also an IPv6 tunnel (server-ipv6)

	// UserPass makes the server check a username and password with an
	// auth-user-pass-verify script. Username and Password default to
	// "cvpn" and a random password; the lab exposes the values in use.
	UserPass bool
	Username string
	Password string
	// VerifyClientCert is "" (require, openvpn's default), "optional" or
	// "none". With "none" the client profile carries no certificate and the
	// username becomes the common name.
	VerifyClientCert string
	// AuthGenToken makes the server push an auth token after the first
	// successful login (auth-gen-token), signed with a secret that survives
	// Restart so reconnect tests can reuse it.
	AuthGenToken         bool
	AuthGenTokenLifetime int // seconds; 0 = lives as long as the session

	KeyType KeyType // certificates of the whole PKI

	// ExplicitExitNotify is the explicit-exit-notify count for the server
	// and (UDP only) the client profile; 0 omits it.
	ExplicitExitNotify int
	// AllowDCO lets the server use kernel data channel offload when the
	// module is present. By default it is disabled, so tests behave the same
	// on a laptop with ovpn-dco as in CI without it.
	AllowDCO bool
	Verb     int // default 3

	// Extra lines appended verbatim to the server config, for anything the
	// fields above do not cover.
	Extra []string
}

// withDefaults fills the zero fields that have a non-zero default.
func (o ServerOptions) withDefaults() ServerOptions {
	if o.Proto == "" {
		o.Proto = UDP
	}
	if o.Port == 0 {
		o.Port = 1194
	}
	if o.Topology == "" {
		o.Topology = "subnet"
	}
	if o.Verb == 0 {
		o.Verb = 3
	}
	if o.KeepaliveInterval > 0 && o.KeepaliveTimeout == 0 {
		o.KeepaliveTimeout = 4 * o.KeepaliveInterval
	}
	if o.UserPass && o.Username == "" {
		o.Username = "cvpn"
	}
	return o
}

// maxPushRoutes keeps the pushed routes inside 172.16.0.0/12 and the push
// reply within what openvpn will assemble.
const maxPushRoutes = 1000

// Validate reports combinations the stock server would refuse or that make no
// sense, before any namespace is created. It expects defaults filled in.
func (o ServerOptions) Validate() error {
	o = o.withDefaults()
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if o.Proto != UDP && o.Proto != TCP {
		bad("proto %q: want udp or tcp", o.Proto)
	}
	if o.Port < 1 || o.Port > 65535 {
		bad("port %d out of range", o.Port)
	}
	if o.Wrap < WrapNone || o.Wrap > WrapTLSCryptV2 {
		bad("unknown wrap %d", int(o.Wrap))
	}
	if o.TLSCryptV2ForceCookie && o.Wrap != WrapTLSCryptV2 {
		bad("tls-crypt-v2 force-cookie needs wrap tls-crypt-v2, have %s", o.Wrap)
	}
	if o.Compression < CompressionOff || o.Compression > CompressStub {
		bad("unknown compression %d", int(o.Compression))
	}
	if o.PushRoutes < 0 || o.PushRoutes > maxPushRoutes {
		bad("push routes %d out of range 0..%d", o.PushRoutes, maxPushRoutes)
	}
	if o.RenegSec < 0 || o.KeepaliveInterval < 0 || o.KeepaliveTimeout < 0 || o.ExplicitExitNotify < 0 || o.AuthGenTokenLifetime < 0 {
		bad("negative durations or counts are not allowed")
	}
	switch o.Topology {
	case "subnet", "net30", "p2p":
	default:
		bad("topology %q: want subnet, net30 or p2p", o.Topology)
	}
	switch o.VerifyClientCert {
	case "", "require", "optional":
	case "none":
		if !o.UserPass {
			bad("verify-client-cert none needs user/pass auth, or nothing authenticates the client")
		}
	default:
		bad("verify-client-cert %q: want require, optional or none", o.VerifyClientCert)
	}
	if o.AuthGenToken && !o.UserPass {
		bad("auth-gen-token needs user/pass auth")
	}
	if o.KeyType < ECDSAP256 || o.KeyType > RSA4096 {
		bad("unknown key type %d", int(o.KeyType))
	}
	for _, s := range append(append([]string{o.Auth, o.DataCiphersFallback, o.Username, o.Password}, o.DataCiphers...), o.Extra...) {
		if strings.ContainsAny(s, "\n\r") {
			bad("option value %q contains a newline", s)
		}
	}
	for _, s := range append([]string{o.Auth, o.DataCiphersFallback}, o.DataCiphers...) {
		if strings.ContainsAny(s, " \t:") {
			bad("cipher or digest name %q contains a separator", s)
		}
	}
	return errors.Join(errs...)
}
