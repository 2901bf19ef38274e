package profile

import (
	"crypto/x509"
	"errors"
	"time"
)

// checkPKCS12 opens a bundle with the empty password, as OpenVPN tries
// first. If that works the bundle's key and certificate were matched and
// certs holds the client certificate then the rest of the bundle; if it
// needs a password, encrypted is set and the engine asks for it.
func checkPKCS12(der []byte) (certs []*x509.Certificate, encrypted bool, problem string) {
	ck, err := OpenPKCS12(der, "")
	switch {
	case errors.Is(err, ErrIncorrectPassphrase):
		return nil, true, ""
	case err != nil:
		return nil, false, "this is not a PKCS#12 bundle cvpn can read (" + err.Error() + ")"
	}
	return append([]*x509.Certificate{ck.Cert}, ck.Chain...), false, ""
}

// pkcs12CA checks, for a profile without <ca>, that its PKCS#12 bundle
// can supply the CA certificate as OpenVPN lets it.
func (p *parser) pkcs12CA() {
	switch {
	case p.pkcs12.encrypted:
		p.warnf(p.pkcs12.line, "pkcs12", "no <ca>: the CA certificate must come from the pkcs12 bundle, which is opened with its password when connecting")
	case len(p.pkcs12.certs) == 1:
		p.errorf(p.pkcs12.line, "pkcs12", "the profile has no <ca> and the pkcs12 bundle holds no CA certificate, so cvpn cannot check that it talks to the real server",
			"add the server's CA certificate in a <ca> ... </ca> block")
	}
}

// finishProtected records which client keys need a passphrase and checks
// an opened bundle's certificate dates.
func (p *parser) finishProtected(now time.Time) {
	t := &p.prof.TLS
	t.KeyEncrypted = p.key.encrypted && len(t.Key) > 0
	t.PKCS12Encrypted = p.pkcs12.encrypted && len(t.PKCS12) > 0
	if len(t.PKCS12) > 0 && len(p.pkcs12.certs) > 0 {
		if note := expiryNote("client", p.pkcs12.certs[0], now); note != "" {
			p.warnf(p.pkcs12.line, "pkcs12", "%s", note)
		}
	}
}

// askpass names where OpenVPN reads the key's passphrase. cvpn asks for it
// (and can remember it in the keyring) instead, and never reads a
// passphrase from a file: the line is kept without its file.
func (p *parser) askpass(d *directive) {
	if len(d.args) == 0 {
		return
	}
	if !isInlineMarker(d.args[0]) {
		p.warnf(d.line, d.name, "cvpn does not read passphrase files (%q is not read); it asks for the passphrase when connecting and can remember it in the keyring", printable(d.args[0]))
	}
	p.dropLine(d, "askpass")
}
