package profile

import (
	"net"
	"strconv"
	"strings"
)

// ProxyType is the kind of proxy a remote is reached through.
type ProxyType uint8

const (
	ProxyHTTP   ProxyType = iota + 1 // http-proxy: HTTP CONNECT
	ProxySOCKS5                      // socks-proxy: SOCKS5 CONNECT
)

func (t ProxyType) String() string {
	switch t {
	case ProxyHTTP:
		return "http"
	case ProxySOCKS5:
		return "socks5"
	}
	return "none"
}

// MarshalText makes ProxyType readable in JSON.
func (t ProxyType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// ProxyAuth is how cvpn signs in to an HTTP proxy. OpenVPN also knows
// ntlm, ntlm2 and digest; cvpn refuses those when parsing.
type ProxyAuth uint8

const (
	// ProxyAuthNone sends no credentials ("http-proxy HOST PORT", or the
	// method "none"). cvpn still asks for credentials if the proxy answers
	// 407, which OpenVPN would not.
	ProxyAuthNone ProxyAuth = iota
	// ProxyAuthBasic sends Basic credentials with the first CONNECT
	// ("http-proxy HOST PORT AUTHFILE [basic]").
	ProxyAuthBasic
	// ProxyAuthAuto tries without credentials and on a 407 uses
	// http-proxy-user-pass, or asks ("http-proxy HOST PORT auto").
	ProxyAuthAuto
	// ProxyAuthAutoNCT is ProxyAuthAuto that never sends a password in
	// clear text ("auto-nct"). Basic is cleartext and the only method cvpn
	// has, so such a proxy asking for credentials cannot be passed.
	ProxyAuthAutoNCT
)

func (a ProxyAuth) String() string {
	switch a {
	case ProxyAuthBasic:
		return "basic"
	case ProxyAuthAuto:
		return "auto"
	case ProxyAuthAutoNCT:
		return "auto-nct"
	}
	return "none"
}

// MarshalText makes ProxyAuth readable in JSON.
func (a ProxyAuth) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// HTTPHeader is one http-proxy-option CUSTOM-HEADER; Value may be empty,
// in which case Name is sent as the whole header line, as OpenVPN does.
type HTTPHeader struct {
	Name  string
	Value string
}

// MaxProxyHeaders is OpenVPN's MAX_CUSTOM_HTTP_HEADER.
const MaxProxyHeaders = 10

// Proxy is the HTTP or SOCKS proxy a remote is reached through
// (http-proxy, socks-proxy and their options). Credentials are secrets and
// never leave the process: not in JSON, logs or a Summary.
type Proxy struct {
	Type ProxyType
	Host string // name or IP literal
	Port int
	// Auth applies to HTTP proxies; a SOCKS proxy is offered
	// username/password whenever credentials are known or asked.
	Auth ProxyAuth
	// Username and Password come from the profile (an auth file, now
	// inlined, or an <http-proxy-user-pass> block); empty when unknown.
	Username string `json:"-"`
	Password string `json:"-"`
	// AskCredentials says to ask the user for them before the first
	// attempt: the profile names "stdin" as its auth file, or basic
	// authentication without credentials.
	AskCredentials bool
	// HTTPVersion is "1.0" (OpenVPN's default) or "1.1", which adds a Host
	// header (http-proxy-option VERSION).
	HTTPVersion string
	// UserAgent is sent as User-Agent when set (http-proxy-option AGENT).
	UserAgent string
	// Headers are http-proxy-option CUSTOM-HEADER lines, in order. They
	// can carry tokens, so they stay out of JSON too.
	Headers []HTTPHeader `json:"-"`
	// Line is the line of the http-proxy or socks-proxy directive.
	Line int
}

// Address is the proxy's host:port, with brackets around IPv6 literals.
func (x *Proxy) Address() string {
	return net.JoinHostPort(x.Host, strconv.Itoa(x.Port))
}

// URL names the proxy without credentials: http://host:port or
// socks5://host:port.
func (x *Proxy) URL() string {
	return x.Type.String() + "://" + x.Address()
}

// proxySummary lists the distinct proxies of the remotes, for Summary.
func proxySummary(rs []Remote) string {
	var seen []string
	for _, r := range rs {
		if r.Proxy == nil {
			continue
		}
		u := r.Proxy.URL()
		found := false
		for _, s := range seen {
			found = found || s == u
		}
		if !found {
			seen = append(seen, u)
		}
	}
	return strings.Join(seen, ", ")
}
