package profile

import (
	"crypto/x509"
	"encoding/pem"
	"strconv"
	"strings"
	"time"
)

// Summary is what a user may see of a profile: where it connects and how
// it signs in. It never holds key material or passwords, so it is safe to
// print, log and send over the local API.
type Summary struct {
	Name           string          `json:"name"`
	Remotes        []RemoteSummary `json:"remotes"`
	Transport      string          `json:"transport"` // "udp", "tcp" or "udp+tcp"
	RemoteRandom   bool            `json:"remote_random,omitempty"`
	RandomHostname bool            `json:"remote_random_hostname,omitempty"`

	// Proxy names the proxies the remotes are reached through
	// ("http://host:port", "socks5://host:port"), never credentials.
	Proxy string `json:"proxy,omitempty"`

	Auth AuthMode `json:"auth"`
	// AuthMethods lists every way the profile signs in, in the order the
	// server checks them: "certificate", "username/password", "MFA (static
	// challenge)", "SAML".
	AuthMethods     []string `json:"auth_methods"`
	ClientCert      string   `json:"client_cert,omitempty"` // subject CN, or "pkcs12"
	ClientCertUntil string   `json:"client_cert_expires,omitempty"`
	// KeyProtected: the private key or pkcs12 bundle is protected by a
	// passphrase, which is asked when connecting.
	KeyProtected    bool     `json:"key_passphrase,omitempty"`
	Username        string   `json:"username,omitempty"`
	StaticChallenge string   `json:"static_challenge,omitempty"`
	CA              []string `json:"ca,omitempty"` // subject CNs

	DataCiphers   []string `json:"data_ciphers"`
	Fallback      string   `json:"data_ciphers_fallback,omitempty"`
	Wrap          string   `json:"tls_wrap"`
	TLSVersionMin string   `json:"tls_version_min"`
	VerifyName    string   `json:"verify_x509_name,omitempty"`
	RemoteCertTLS bool     `json:"remote_cert_tls,omitempty"`
	Compression   string   `json:"compression,omitempty"`
	RedirectAll   bool     `json:"redirect_gateway,omitempty"`
	Routes        int      `json:"routes,omitempty"`
	RenegSec      int      `json:"reneg_sec"`

	Warnings []string `json:"warnings,omitempty"`
}

// RemoteSummary is one server of a Summary.
type RemoteSummary struct {
	Host  string `json:"host"`
	Port  int    `json:"port"`
	Proto string `json:"proto"` // udp, tcp, udp4, tcp6...
}

// String formats as host:port/proto, with brackets around IPv6 literals.
func (r RemoteSummary) String() string {
	h := r.Host
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	return h + ":" + strconv.Itoa(r.Port) + "/" + r.Proto
}

var tlsVersionNames = map[uint16]string{0x0301: "1.0", 0x0302: "1.1", 0x0303: "1.2", 0x0304: "1.3"}

// Summary describes the profile without secrets.
func (p *Profile) Summary() Summary {
	s := Summary{
		Name:           p.Name,
		RemoteRandom:   p.RemoteRandom,
		RandomHostname: p.RemoteRandomHostname,
		Auth:           p.AuthMode(),
		StaticChallenge: func() string {
			if p.Auth.StaticChallenge != nil {
				return p.Auth.StaticChallenge.Text
			}
			return ""
		}(),
		Username:      p.Auth.Username,
		DataCiphers:   p.Data.Ciphers,
		Fallback:      p.Data.Fallback,
		TLSVersionMin: tlsVersionNames[p.TLS.VersionMin],
		RemoteCertTLS: p.TLS.RemoteCertTLS,
		RedirectAll:   p.Routing.RedirectGateway.IPv4 || p.Routing.RedirectGateway.IPv6,
		Routes:        len(p.Routing.Routes) + len(p.Routing.Routes6),
		RenegSec:      int(p.Timers.RenegInterval / time.Second),
	}
	s.AuthMethods = p.AuthMethods()
	if p.TLS.VersionMinOrHighest {
		s.TLSVersionMin += " or-highest"
	}
	if v := p.TLS.VerifyX509; v != nil {
		s.VerifyName = v.Name + " (" + v.Type.String() + ")"
	}
	if p.Compression.Mode != CompressNone {
		s.Compression = p.Compression.Mode.String()
	}
	protos := map[Proto]bool{}
	wraps := map[string]bool{}
	for _, r := range p.Remotes {
		name := r.Proto.String()
		switch r.Family {
		case FamilyIPv4:
			name += "4"
		case FamilyIPv6:
			name += "6"
		}
		s.Remotes = append(s.Remotes, RemoteSummary{Host: r.Host, Port: r.Port, Proto: name})
		protos[r.Proto] = true
		w := r.Wrap.Mode.String()
		if r.Wrap.Mode == WrapTLSAuth {
			w += " (key-direction " + r.Wrap.KeyDirection.String() + ", " + r.Wrap.Digest + ")"
		}
		wraps[w] = true
	}
	switch {
	case protos[ProtoUDP] && protos[ProtoTCP]:
		s.Transport = "udp+tcp"
	case protos[ProtoTCP]:
		s.Transport = "tcp"
	default:
		s.Transport = "udp"
	}
	s.Proxy = proxySummary(p.Remotes)
	for w := range wraps {
		if s.Wrap != "" {
			s.Wrap = "varies by connection"
			break
		}
		s.Wrap = w
	}
	s.KeyProtected = p.TLS.KeyEncrypted || p.TLS.PKCS12Encrypted
	if len(p.TLS.PKCS12) > 0 {
		s.ClientCert = "pkcs12 bundle"
		if ck, err := OpenPKCS12(p.TLS.PKCS12, ""); err == nil {
			s.ClientCert += " (" + ck.Cert.Subject.CommonName + ")"
			s.ClientCertUntil = ck.Cert.NotAfter.UTC().Format("2006-01-02")
		}
	} else if c := firstCert(p.TLS.Cert); c != nil {
		s.ClientCert = c.Subject.CommonName
		s.ClientCertUntil = c.NotAfter.UTC().Format("2006-01-02")
	}
	for rest := p.TLS.CA; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			s.CA = append(s.CA, c.Subject.CommonName)
		}
	}
	for _, w := range p.Warnings {
		s.Warnings = append(s.Warnings, w.String())
	}
	return s
}

// AuthMethods lists every way the profile signs in: a client certificate
// and a password can both be needed, and a user must know to have both.
func (p *Profile) AuthMethods() []string {
	var m []string
	if p.HasClientCert() || len(p.TLS.Cert) > 0 || len(p.TLS.PKCS12) > 0 {
		m = append(m, "certificate")
	}
	switch {
	case p.Auth.Federated:
		m = append(m, "SAML")
	case p.Auth.UserPass:
		m = append(m, "username/password")
		if p.Auth.StaticChallenge != nil {
			m = append(m, "MFA (static challenge)")
		}
	}
	return m
}

func firstCert(pemText []byte) *x509.Certificate {
	certs, _, _ := parseCerts(pemText)
	if len(certs) == 0 {
		return nil
	}
	return certs[0]
}
