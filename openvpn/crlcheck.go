package openvpn

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/profile"
)

// crlChecker enforces crl-verify the way OpenVPN 2.6 does with OpenSSL.
// backend_tls_ctx_reload_crl sets X509_V_FLAG_CRL_CHECK |
// X509_V_FLAG_CRL_CHECK_ALL, so OpenSSL's check_revocation walks the whole
// verified chain, trust anchor included, looking for a CRL from each
// certificate's issuer (a self-signed root is its own issuer). That CRL must
// be signed by the issuer, be current, and carry no critical extension
// OpenSSL does not handle, and must not list the certificate. A certificate
// whose issuer has no CRL at all passes: OpenVPN's verify_callback logs
// X509_V_ERR_UNABLE_TO_GET_CRL as a warning and goes on (checked against
// OpenVPN 2.6.14 with OpenSSL 3.0 in the e2e lab). Delta CRLs and CRLs whose
// issuingDistributionPoint puts the certificate out of scope are not used,
// as OpenSSL does without extended CRL support.
//
// One deliberate difference: OpenSSL's X509_cmp_time refuses a CRL time
// without its trailing Z ("format error in CRL's lastUpdate field"); cvpn
// reads it as UTC, so the CRLs some providers ship are enforced rather
// than refusing every server.
//
// The CRLs are parsed once, when the TLS config is built.
type crlChecker struct {
	crls []*profile.CRL
	cas  []*x509.Certificate // the profile's <ca>, for a trust anchor that is not self-issued
	now  func() time.Time
}

// newCRLChecker parses the profile's CRLs; nil when there are none.
func newCRLChecker(t *profile.TLS) (*crlChecker, error) {
	if len(t.CRL) == 0 {
		return nil, nil
	}
	crls, err := profile.ParseCRLs(t.CRL)
	if err != nil {
		return nil, fmt.Errorf("tls: the profile's <crl-verify> cannot be read: %w", err)
	}
	k := &crlChecker{crls: crls, now: time.Now}
	k.cas, _ = parsePEMCerts(t.CA)
	return k, nil
}

func parsePEMCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out, nil
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}

// check accepts when one of the verified chains passes; otherwise it
// returns the first chain's reason.
func (k *crlChecker) check(chains [][]*x509.Certificate) error {
	if k == nil {
		return nil
	}
	var first error
	for _, chain := range chains {
		err := k.checkChain(chain)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = fmt.Errorf("%w: no certificate chain to check against the CRL", ErrServerCertificate)
	}
	return first
}

// checkChain checks a chain leaf first, trust anchor last.
func (k *crlChecker) checkChain(chain []*x509.Certificate) error {
	now := k.now()
	for i, cert := range chain {
		var issuer *x509.Certificate
		switch {
		case i+1 < len(chain):
			issuer = chain[i+1]
		case profile.SameName(cert.RawIssuer, cert.RawSubject):
			issuer = cert
		default:
			issuer = k.findIssuer(cert)
		}
		if err := k.checkCert(cert, issuer, i == 0, now); err != nil {
			return err
		}
	}
	return nil
}

func (k *crlChecker) findIssuer(cert *x509.Certificate) *x509.Certificate {
	for _, ca := range k.cas {
		if profile.SameName(cert.RawIssuer, ca.RawSubject) && cert.CheckSignatureFrom(ca) == nil {
			return ca
		}
	}
	return nil
}

// inScope mirrors OpenSSL's get_crl_score: which CRLs may speak for cert.
func inScope(c *profile.CRL, cert *x509.Certificate) bool {
	if c.Delta {
		return false
	}
	idp := c.IDP
	if idp.Indirect || idp.OnlySomeReasons || idp.OnlyAttr {
		return false
	}
	isCA := cert.BasicConstraintsValid && cert.IsCA
	return !(idp.OnlyUser && isCA) && !(idp.OnlyCA && !isCA)
}

func (k *crlChecker) checkCert(cert, issuer *x509.Certificate, leaf bool, now time.Time) error {
	issuerName := nameOf(cert.Issuer.CommonName, cert.Issuer.String())
	var best *profile.CRL
	var reason error
	candidates := 0
	for _, c := range k.crls {
		if !profile.SameName(c.RawIssuer, cert.RawIssuer) || !inScope(c, cert) {
			continue
		}
		candidates++
		err := crlProblem(c, issuer, issuerName, now)
		if err != nil {
			if reason == nil {
				reason = err
			}
			continue
		}
		// Like get_crl_sk, prefer the newest of the usable CRLs.
		if best == nil || c.ThisUpdate.After(best.ThisUpdate) {
			best = c
		}
	}
	if best == nil {
		if candidates == 0 {
			// OpenVPN: "Log and ignore missing CRL errors".
			return nil
		}
		return reason
	}
	if best.IsRevoked(cert.SerialNumber) {
		return fmt.Errorf("%w: %s (serial %s, CN %q) is revoked by the profile's CRL",
			ErrServerCertificate, whose(leaf), cert.SerialNumber, cert.Subject.CommonName)
	}
	return nil
}

// crlProblem says why a CRL cannot be used, in OpenSSL's order: issuer
// known, signature, times, critical extensions.
func crlProblem(c *profile.CRL, issuer *x509.Certificate, issuerName string, now time.Time) error {
	if issuer == nil {
		return fmt.Errorf("%w: the profile's CRL from %q cannot be checked: that CA's certificate is neither in <ca> nor sent by the server", ErrServerCertificate, issuerName)
	}
	if err := c.CheckSignatureFrom(issuer); err != nil {
		return fmt.Errorf("%w: the profile's CRL from %q is not signed by that CA: %v", ErrServerCertificate, issuerName, stripSig(err))
	}
	if now.Before(c.ThisUpdate) {
		return fmt.Errorf("%w: the profile's CRL from %q is not valid before %s; check this computer's clock", ErrServerCertificate, issuerName, c.ThisUpdate.UTC().Format(time.RFC3339))
	}
	if !c.NextUpdate.IsZero() && now.After(c.NextUpdate) {
		return fmt.Errorf("%w: the profile's CRL from %q expired on %s; ask your VPN provider or administrator for a current profile", ErrServerCertificate, issuerName, c.NextUpdate.UTC().Format(time.RFC3339))
	}
	if c.UnhandledCritical != "" {
		return fmt.Errorf("%w: the profile's CRL from %q has a critical extension (%s) that cvpn, like OpenSSL, does not handle", ErrServerCertificate, issuerName, c.UnhandledCritical)
	}
	return nil
}

func stripSig(err error) string {
	msg := err.Error()
	prefix := profile.ErrCRLSignature.Error() + ": "
	if errors.Is(err, profile.ErrCRLSignature) && len(msg) > len(prefix) {
		return msg[len(prefix):]
	}
	return msg
}

func whose(leaf bool) string {
	if leaf {
		return "the server's certificate"
	}
	return "a CA certificate of the server's chain"
}

func nameOf(cn, full string) string {
	if cn != "" {
		return cn
	}
	return full
}
