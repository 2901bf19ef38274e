package profile

import (
	"math"
	"time"
)

// Forever is the ResolvRetry value of "resolv-retry infinite", OpenVPN's
// default: keep resolving a remote's name until it works.
const Forever time.Duration = math.MaxInt64

// Profile is a parsed, validated client profile. Every field already holds its
// effective value: defaults are filled in the way OpenVPN 2.6 fills them, so
// the engine and the network layer never have to know what was left unsaid.
type Profile struct {
	// Name is the profile's name in the store, or its file name without the
	// extension when it was parsed from a file.
	Name string

	// Remotes are the servers to try, in order: one per <connection> block,
	// or one per top-level "remote" line when there are no blocks. Each
	// carries the connection-level options that apply to it.
	Remotes []Remote
	// RemoteRandom shuffles Remotes before the first attempt (remote-random).
	RemoteRandom bool
	// RemoteRandomHostname prefixes host names with 12 random hex digits and a
	// dot on every attempt. AWS Client VPN needs it: the endpoint's DNS is a
	// wildcard and the bare name may not resolve at all.
	RemoteRandomHostname bool
	// ResolvRetry is how long to keep retrying name resolution; Forever when
	// "infinite" (the default).
	ResolvRetry time.Duration
	// ConnectRetryMax caps how many times the whole remote list is tried;
	// 0 means no limit (the default).
	ConnectRetryMax int

	// Dev is the tun device name asked for ("tun", "tun0"); cvpn only does
	// layer-3 tun, so "tap" devices are refused during parsing.
	Dev string
	// Pull is set by "client" or "pull": the server pushes addresses, routes
	// and DNS. cvpn always pulls; a profile without it gets a warning.
	Pull bool

	TLS         TLS
	Auth        Auth
	Data        DataChannel
	Compression Compression
	Routing     Routing
	DNS         DNS
	Timers      Timers

	// PushPeerInfo sends the full peer info (including UV_ variables) to the
	// server, as push-peer-info or "setenv PUSH_PEER_INFO" asks.
	PushPeerInfo bool
	// Env holds the profile's setenv variables in order. cvpn runs no scripts,
	// so only UV_ variables (sent as peer info) have an effect.
	Env []EnvVar
	// Verb is the verbosity asked for; accepted for compatibility only.
	Verb int

	// Warnings are non-fatal findings, in file order.
	Warnings []Warning

	// src keeps what Inlined needs to rebuild the profile as one file.
	src *source
}

// Proto is a remote's transport.
type Proto uint8

const (
	ProtoUDP Proto = iota
	ProtoTCP       // "tcp" and "tcp-client" mean the same for a client
)

func (p Proto) String() string {
	if p == ProtoTCP {
		return "tcp"
	}
	return "udp"
}

// MarshalText makes Proto readable in JSON.
func (p Proto) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Family is the address family hint carried by proto names such as "udp4".
type Family uint8

const (
	FamilyAny  Family = iota // try IPv4 and IPv6
	FamilyIPv4               // udp4, tcp4
	FamilyIPv6               // udp6, tcp6
)

func (f Family) String() string {
	switch f {
	case FamilyIPv4:
		return "ipv4"
	case FamilyIPv6:
		return "ipv6"
	}
	return "any"
}

// MarshalText makes Family readable in JSON.
func (f Family) MarshalText() ([]byte, error) { return []byte(f.String()), nil }

// Remote is one server to try, with the options OpenVPN keeps per connection
// entry. Options given at top level apply to every remote; options inside a
// <connection> block apply to that block only.
type Remote struct {
	Host   string // name or IP literal
	Port   int    // default 1194
	Proto  Proto  // default udp
	Family Family
	Line   int // the line of the "remote" directive
	// Block is the 1-based number of the <connection> block this remote came
	// from, or 0 for a top-level remote line.
	Block int

	// LocalAddr and LocalPort bind the local socket (local, lport, port).
	LocalAddr string
	LocalPort int
	// Bind is false after "nobind"; cvpn never needs a fixed local port.
	Bind bool
	// Float accepts packets from a changed server address (float).
	Float bool

	// ConnectRetry is the first pause between attempts, doubling up to
	// ConnectRetryMaxDelay (connect-retry N [MAX]); defaults 1 s and 300 s.
	ConnectRetry         time.Duration
	ConnectRetryMaxDelay time.Duration
	// ConnectTimeout bounds one connection attempt (connect-timeout,
	// server-poll-timeout); default 120 s.
	ConnectTimeout time.Duration
	// ExplicitExitNotify is how many times to tell the server we leave
	// (UDP only); 0 means don't.
	ExplicitExitNotify int

	MTU  MTU
	Wrap Wrap
	// Proxy is the HTTP or SOCKS proxy to connect through; nil connects
	// directly.
	Proxy *Proxy
}

// MTU holds the packet size options of one connection.
type MTU struct {
	TunMTU int // default 1500
	// MSSFix clamps TCP MSS so that packets fit; 0 disables it. The default
	// is 1492 counted with encapsulation, as in OpenVPN 2.6.
	MSSFix      int
	MSSFixEncap bool // the value includes the encapsulation ("mssfix N mtu" or the default)
	MSSFixFixed bool // the value is the total packet size ("mssfix N fixed")
	// TLSMTU is the largest control-channel packet (max-packet-size);
	// default 1250, OpenVPN's TLS_MTU_DEFAULT.
	TLSMTU int
}

// WrapMode is how control-channel packets are protected before TLS.
type WrapMode uint8

const (
	WrapNone       WrapMode = iota
	WrapTLSAuth             // HMAC on every control packet
	WrapTLSCrypt            // encrypt and authenticate with a shared key
	WrapTLSCryptV2          // per-client key wrapped by the server's key
)

func (m WrapMode) String() string {
	switch m {
	case WrapTLSAuth:
		return "tls-auth"
	case WrapTLSCrypt:
		return "tls-crypt"
	case WrapTLSCryptV2:
		return "tls-crypt-v2"
	}
	return "none"
}

// MarshalText makes WrapMode readable in JSON.
func (m WrapMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// KeyDirection selects which halves of a tls-auth static key are used.
type KeyDirection int8

const (
	KeyDirBidirectional KeyDirection = iota // no key-direction: one key both ways
	KeyDir0                                 // key-direction 0 (normally the server)
	KeyDir1                                 // key-direction 1 (normally the client)
)

func (d KeyDirection) String() string {
	switch d {
	case KeyDir0:
		return "0"
	case KeyDir1:
		return "1"
	}
	return "bidirectional"
}

// MarshalText makes KeyDirection readable in JSON.
func (d KeyDirection) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// StaticKeySize is the size of an OpenVPN static key (two directions of a
// 64-byte cipher key and a 64-byte HMAC key).
const StaticKeySize = 256

// Wrap is the control-channel wrapping of one connection.
type Wrap struct {
	Mode WrapMode
	// Key is the 256-byte static key for tls-auth and tls-crypt, or for
	// tls-crypt-v2 the whole decoded client key: Kc (256 bytes) then WKc.
	Key []byte `json:"-"`
	// KeyDirection applies to tls-auth only.
	KeyDirection KeyDirection
	// Digest is the tls-auth HMAC digest, taken from "auth"; default SHA1.
	Digest string
}

// V2Keys splits a tls-crypt-v2 client key into Kc, the client's own key, and
// WKc, the wrapped copy the client sends to the server. Both are nil for
// other modes.
func (w Wrap) V2Keys() (kc, wkc []byte) {
	if w.Mode != WrapTLSCryptV2 || len(w.Key) < StaticKeySize {
		return nil, nil
	}
	return w.Key[:StaticKeySize], w.Key[StaticKeySize:]
}

// X509NameType says how verify-x509-name compares.
type X509NameType uint8

const (
	X509Subject    X509NameType = iota // the whole subject DN (the default)
	X509Name                           // the common name
	X509NamePrefix                     // a prefix of the common name
)

func (t X509NameType) String() string {
	switch t {
	case X509Name:
		return "name"
	case X509NamePrefix:
		return "name-prefix"
	}
	return "subject"
}

// MarshalText makes X509NameType readable in JSON.
func (t X509NameType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// VerifyX509 is a verify-x509-name check on the server certificate.
type VerifyX509 struct {
	Name string
	Type X509NameType
}

// TLS holds the certificates and TLS options. PEM fields hold the PEM text as
// written; the parser has already checked that it decodes.
type TLS struct {
	CA         []byte `json:"-"`
	Cert       []byte `json:"-"`
	Key        []byte `json:"-"`
	ExtraCerts []byte `json:"-"`
	// PKCS12 is the DER bundle (an inline <pkcs12> block is base64 and is
	// decoded here).
	PKCS12 []byte `json:"-"`
	// KeyEncrypted: Key is protected by a passphrase; PKCS12Encrypted: the
	// bundle needs a password. The engine asks for it when connecting.
	KeyEncrypted    bool
	PKCS12Encrypted bool
	// PeerFingerprints are SHA-256 certificate fingerprints that replace CA
	// verification (peer-fingerprint).
	PeerFingerprints [][32]byte
	// CRL is a certificate revocation list in PEM (crl-verify).
	CRL []byte `json:"-"`

	// RemoteCertTLS requires the server certificate to carry the TLS server
	// extended key usage (remote-cert-tls server, or ns-cert-type server).
	RemoteCertTLS bool
	// RemoteCertKU lists acceptable key usage values (remote-cert-ku), hex as
	// written; RemoteCertKURequired is set when a key usage must be present.
	RemoteCertKU         []uint16
	RemoteCertKURequired bool
	// RemoteCertEKU is an extended key usage name or OID (remote-cert-eku).
	RemoteCertEKU string
	VerifyX509    *VerifyX509

	// VersionMin is the lowest TLS version (a crypto/tls Version constant);
	// default TLS 1.2 as in OpenVPN 2.6. VersionMinOrHighest lowers it to the
	// highest version this side supports when that is lower.
	VersionMin          uint16
	VersionMinOrHighest bool
	// VersionMax is 0 when unset.
	VersionMax uint16

	Cipher string // tls-cipher, OpenSSL names, TLS 1.2 and below
	// CipherSuites are Cipher's suites as crypto/tls IDs; nil keeps the
	// defaults (no tls-cipher, a list by keyword, or no usable name).
	CipherSuites []uint16
	Ciphersuites string // tls-ciphersuites, TLS 1.3
	CertProfile  string // tls-cert-profile
	Groups       string // tls-groups (or ecdh-curve)
	// ForceKeyMaterialExport refuses servers that cannot derive data keys
	// with TLS-EKM.
	ForceKeyMaterialExport bool
}

// AuthRetry is what to do when the server rejects the credentials.
type AuthRetry uint8

const (
	AuthRetryNone       AuthRetry = iota // give up (the default)
	AuthRetryNoInteract                  // retry with the same credentials
	AuthRetryInteract                    // ask the user again
)

func (a AuthRetry) String() string {
	switch a {
	case AuthRetryNoInteract:
		return "nointeract"
	case AuthRetryInteract:
		return "interact"
	}
	return "none"
}

// MarshalText makes AuthRetry readable in JSON.
func (a AuthRetry) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// StaticChallenge is a second factor asked with the password and sent in the
// SCRV1 format (static-challenge "text" 0|1).
type StaticChallenge struct {
	Text string
	Echo bool // show the answer as it is typed
}

// Auth is how the client proves who it is beyond its certificate.
type Auth struct {
	// UserPass is set by auth-user-pass: the server wants a username and a
	// password.
	UserPass bool
	// Username and Password come from an auth-user-pass file or block; empty
	// means ask the user.
	Username string
	Password string `json:"-"`
	// StaticChallenge is nil when the profile has none.
	StaticChallenge *StaticChallenge
	// Federated is AWS Client VPN's auth-federate: SAML sign-in in a browser.
	Federated bool
	// NoCache forgets the password once it was used (auth-nocache).
	NoCache bool
	Retry   AuthRetry
	// TokenUser is the decoded auth-token-user name, if the profile sets one.
	TokenUser string
}

// AuthMode is the user-visible way a profile signs in.
type AuthMode uint8

const (
	AuthCertificate AuthMode = iota // certificate (or pkcs12) only
	AuthUserPass                    // username and password
	AuthUserPassMFA                 // username, password and a static challenge
	AuthSAML                        // AWS federated (SAML) sign-in
)

func (m AuthMode) String() string {
	switch m {
	case AuthUserPass:
		return "username+password"
	case AuthUserPassMFA:
		return "username+password+MFA (static challenge)"
	case AuthSAML:
		return "SAML federated"
	}
	return "certificate"
}

// MarshalText makes AuthMode readable in JSON.
func (m AuthMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// AuthMode says how the profile signs in. SAML wins over a static challenge
// because an AWS federated profile never prompts for a password.
func (p *Profile) AuthMode() AuthMode {
	switch {
	case p.Auth.Federated:
		return AuthSAML
	case p.Auth.UserPass && p.Auth.StaticChallenge != nil:
		return AuthUserPassMFA
	case p.Auth.UserPass:
		return AuthUserPass
	}
	return AuthCertificate
}

// HasClientCert reports whether the profile carries a client certificate.
func (p *Profile) HasClientCert() bool {
	return len(p.TLS.PKCS12) > 0 || (len(p.TLS.Cert) > 0 && len(p.TLS.Key) > 0)
}

// EnvVar is one setenv variable.
type EnvVar struct {
	Name  string
	Value string
}

// PeerInfoVars returns the UV_ variables, which cvpn sends as peer info when
// PushPeerInfo is set.
func (p *Profile) PeerInfoVars() []EnvVar {
	var out []EnvVar
	for _, e := range p.Env {
		if len(e.Name) > 3 && e.Name[:3] == "UV_" {
			out = append(out, e)
		}
	}
	return out
}
