package openvpn

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"

	"github.com/cvpn/cvpn/profile"
)

// ErrServerCertificate wraps every reason the server's certificate was
// refused, so callers can tell the user it is the server, not them.
var ErrServerCertificate = errors.New("server certificate rejected")

// tlsConfig builds the crypto/tls configuration for the control channel.
//
// Server certificates are verified by cvpn itself, not by crypto/tls's name
// check: OpenVPN servers (AWS's and easy-rsa's alike) carry certificates whose
// names never match the host dialled. Trust comes from the profile's CA, and
// the profile's remote-cert-tls / verify-x509-name / peer-fingerprint rules.
// key is the opened client key (nil: none, or not opened yet).
func tlsConfigKey(t *profile.TLS, key *clientKey) (*tls.Config, error) {
	cfg := &tls.Config{
		InsecureSkipVerify: true, // replaced by verifyServer below
		MinVersion:         tls.VersionTLS12,
		// OpenVPN treats one TLS record as one control message and reads at
		// most 2048 plaintext bytes per record; Go's dynamic record sizing
		// would split messages into small first records.
		DynamicRecordSizingDisabled: true,
	}
	if t.VersionMin != 0 {
		cfg.MinVersion = t.VersionMin
		if t.VersionMinOrHighest && cfg.MinVersion > tls.VersionTLS13 {
			cfg.MinVersion = tls.VersionTLS13
		}
	}
	if t.VersionMax != 0 {
		cfg.MaxVersion = t.VersionMax
	}
	if len(t.CipherSuites) > 0 {
		cfg.CipherSuites = t.CipherSuites
	}

	var roots *x509.CertPool
	if len(t.CA) > 0 {
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(t.CA) {
			return nil, errors.New("tls: the profile's <ca> holds no usable certificate")
		}
	}
	if roots == nil && key != nil && len(key.cas) > 0 {
		// OpenVPN trusts a pkcs12 bundle's CA certificates when the
		// profile has no <ca>.
		roots = x509.NewCertPool()
		for _, c := range key.cas {
			roots.AddCert(c)
		}
	}
	if roots == nil && len(t.PeerFingerprints) == 0 && !(key == nil && len(t.PKCS12) > 0) {
		return nil, errors.New("tls: the profile has neither a <ca> nor peer-fingerprint, so the server cannot be verified")
	}
	crl, err := newCRLChecker(t)
	if err != nil {
		return nil, err
	}
	v := serverVerifier{roots: roots, tls: t, crl: crl}
	cfg.VerifyPeerCertificate = v.verify

	if key != nil {
		cfg.Certificates = []tls.Certificate{key.cert}
	}
	return cfg, nil
}

type serverVerifier struct {
	roots *x509.CertPool
	tls   *profile.TLS
	crl   *crlChecker // nil without crl-verify
}

func (v serverVerifier) verify(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) == 0 {
		return fmt.Errorf("%w: the server sent no certificate", ErrServerCertificate)
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return fmt.Errorf("%w: parse certificate %d: %v", ErrServerCertificate, i, err)
		}
		certs[i] = c
	}
	leaf := certs[0]
	if len(v.tls.PeerFingerprints) > 0 {
		sum := sha256.Sum256(raw[0])
		matched := false
		for _, fp := range v.tls.PeerFingerprints {
			if subtle.ConstantTimeCompare(sum[:], fp[:]) == 1 {
				matched = true
			}
		}
		if !matched {
			return fmt.Errorf("%w: its SHA-256 fingerprint %X matches no peer-fingerprint in the profile", ErrServerCertificate, sum)
		}
	}
	if v.roots != nil {
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		usage := []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
		if v.tls.RemoteCertTLS {
			usage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		}
		chains, err := leaf.Verify(x509.VerifyOptions{Roots: v.roots, Intermediates: inter, KeyUsages: usage})
		if err != nil {
			var inv x509.CertificateInvalidError
			if errors.As(err, &inv) && inv.Reason == x509.IncompatibleUsage {
				return fmt.Errorf("%w: %q lacks the TLS server usage that remote-cert-tls server requires", ErrServerCertificate, leaf.Subject.CommonName)
			}
			return fmt.Errorf("%w: %q is not signed by the profile's CA: %v", ErrServerCertificate, leaf.Subject.CommonName, err)
		}
		if err := v.crl.check(chains); err != nil {
			return err
		}
	}
	if x := v.tls.VerifyX509; x != nil {
		if err := checkX509Name(leaf, x); err != nil {
			return err
		}
	}
	return nil
}

func checkX509Name(leaf *x509.Certificate, x *profile.VerifyX509) error {
	cn := leaf.Subject.CommonName
	switch x.Type {
	case profile.X509Name:
		if cn == x.Name {
			return nil
		}
	case profile.X509NamePrefix:
		if strings.HasPrefix(cn, x.Name) {
			return nil
		}
	default:
		if subj := openvpnSubject(leaf.Subject); subj == x.Name || normalizeDN(subj) == normalizeDN(x.Name) {
			return nil
		}
		return fmt.Errorf("%w: subject %q does not match verify-x509-name %q", ErrServerCertificate, openvpnSubject(leaf.Subject), x.Name)
	}
	return fmt.Errorf("%w: common name %q does not match verify-x509-name %q (%s)", ErrServerCertificate, cn, x.Name, x.Type)
}

// openvpnSubject renders a subject the way OpenVPN 2.6 prints it for
// verify-x509-name: RDNs in certificate order, "KEY=value" joined by ", ".
func openvpnSubject(n pkix.Name) string {
	var parts []string
	for _, rdn := range n.Names {
		key := oidShortName(rdn.Type)
		parts = append(parts, fmt.Sprintf("%s=%v", key, rdn.Value))
	}
	return strings.Join(parts, ", ")
}

func normalizeDN(s string) string {
	s = strings.ReplaceAll(s, ", ", ",")
	s = strings.ReplaceAll(s, "/", ",")
	return strings.Trim(s, ",")
}

var oidNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
	"2.5.4.11": "OU", "2.5.4.5": "serialNumber", "1.2.840.113549.1.9.1": "emailAddress",
	"2.5.4.41": "name", "2.5.4.4": "SN", "2.5.4.42": "GN", "0.9.2342.19200300.100.1.25": "DC",
}

func oidShortName(o asn1.ObjectIdentifier) string {
	if n, ok := oidNames[o.String()]; ok {
		return n
	}
	return o.String()
}
