package profile

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strconv"
	"time"
)

// crlProviderFix is the advice for a CRL that is there but unusable: only
// whoever issued the profile can give a fresh one.
const crlProviderFix = "ask your VPN provider or administrator for a current profile"

// crlFix picks the advice for a crl-verify that did not read: a file that
// holds no CRL is the wrong file; a CRL that does not parse is the
// provider's to fix.
func crlFix(data []byte, fix string) string {
	if bytes.Contains(data, []byte("-----BEGIN X509 CRL-----")) {
		return crlProviderFix
	}
	return fix
}

// finishCRL checks the CRLs against the profile's CA the way OpenSSL will
// when the server's certificate is verified (crl-verify sets
// X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL): each certificate of
// the chain is checked against a CRL from its issuer, which must be signed
// by that issuer and be current. An issuer without a CRL is only logged by
// OpenVPN, so it is only a warning here.
func (p *parser) finishCRL(now time.Time) {
	t := &p.prof.TLS
	if len(t.CRL) == 0 {
		return
	}
	crls, err := ParseCRLs(t.CRL)
	if err != nil {
		return // reported when the block was read
	}
	line := p.crl.line
	cas := p.ca.certs
	if len(cas) == 0 {
		if len(t.PKCS12) == 0 {
			p.warnf(line, "crl-verify", "has no effect without a <ca>: the CRL is checked along the chain to the profile's CA")
		}
		return
	}
	for i, c := range crls {
		what := "the CRL"
		if len(crls) > 1 {
			what = "CRL " + strconv.Itoa(i+1)
		}
		issuers := crlIssuers(c, cas)
		if len(issuers) == 0 {
			p.warnf(line, "crl-verify", "%s was issued by %q, which is not a certificate in <ca>; it is used only if the server sends that CA certificate", what, nameLabel(c.Issuer))
		} else if err := checkCRLSignature(c, issuers); err != nil {
			p.errorf(line, "crl-verify", "%s is not signed by the profile's CA (%v)", crlProviderFix, what, err)
			continue
		}
		switch {
		case c.Delta:
			p.warnf(line, "crl-verify", "%s is a delta CRL, which stock OpenVPN and cvpn ignore", what)
		case c.UnhandledCritical != "":
			p.warnf(line, "crl-verify", "%s has a critical extension (%s) that OpenSSL and cvpn do not handle, so both refuse every server certificate it covers", what, c.UnhandledCritical)
		case !c.NextUpdate.IsZero() && now.After(c.NextUpdate):
			p.warnf(line, "crl-verify", "%s is out of date since %s (its nextUpdate); stock OpenVPN and cvpn refuse the server until the profile has a current CRL", what, c.NextUpdate.UTC().Format("2006-01-02 15:04 MST"))
		case now.Before(c.ThisUpdate):
			p.warnf(line, "crl-verify", "%s is not valid before %s; stock OpenVPN and cvpn refuse the server until then (or check this computer's clock)", what, c.ThisUpdate.UTC().Format("2006-01-02 15:04 MST"))
		}
	}
	// With CRL_CHECK_ALL every CA of the chain needs a CRL of its own
	// (a root's certificate is checked against the root's CRL).
	for _, ca := range cas {
		if !ca.IsCA && ca.BasicConstraintsValid {
			continue
		}
		found := false
		for _, c := range crls {
			if c.IssuedBy(ca) {
				found = true
				break
			}
		}
		if !found {
			p.warnf(line, "crl-verify", "holds no CRL from the CA %q, so the certificates it issued are not checked for revocation (stock OpenVPN and cvpn only log this)", nameLabel(ca.Subject))
		}
	}
}

// crlIssuers returns the certificates whose subject is the CRL's issuer.
func crlIssuers(c *CRL, certs []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	for _, cert := range certs {
		if c.IssuedBy(cert) {
			out = append(out, cert)
		}
	}
	return out
}

// checkCRLSignature accepts the CRL when any of the named issuers signed it
// (a CA may be in <ca> twice, renewed with a new key).
func checkCRLSignature(c *CRL, issuers []*x509.Certificate) error {
	var first error
	for _, iss := range issuers {
		err := c.CheckSignatureFrom(iss)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return unwrapSig(first)
}

// unwrapSig drops the ErrCRLSignature prefix: the message around it says so.
func unwrapSig(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	prefix := ErrCRLSignature.Error() + ": "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		return errors.New(msg[len(prefix):])
	}
	return err
}

// nameLabel is a short human name: the CN, else the whole name.
func nameLabel(n pkix.Name) string {
	if n.CommonName != "" {
		return printable(n.CommonName)
	}
	return printable(n.String())
}
