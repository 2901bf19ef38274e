package profile

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CRL signatures: the algorithm named by its OID, checked with crypto/x509.

var sigAlgs = map[string]x509.SignatureAlgorithm{
	"1.2.840.113549.1.1.4":  x509.MD5WithRSA,
	"1.2.840.113549.1.1.5":  x509.SHA1WithRSA,
	"1.3.14.3.2.29":         x509.SHA1WithRSA,
	"1.2.840.113549.1.1.11": x509.SHA256WithRSA,
	"1.2.840.113549.1.1.12": x509.SHA384WithRSA,
	"1.2.840.113549.1.1.13": x509.SHA512WithRSA,
	"1.2.840.10045.4.1":     x509.ECDSAWithSHA1,
	"1.2.840.10045.4.3.2":   x509.ECDSAWithSHA256,
	"1.2.840.10045.4.3.3":   x509.ECDSAWithSHA384,
	"1.2.840.10045.4.3.4":   x509.ECDSAWithSHA512,
	"1.3.101.112":           x509.PureEd25519,
}

var pssHashes = map[string]x509.SignatureAlgorithm{
	"2.16.840.1.101.3.4.2.1": x509.SHA256WithRSAPSS,
	"2.16.840.1.101.3.4.2.2": x509.SHA384WithRSAPSS,
	"2.16.840.1.101.3.4.2.3": x509.SHA512WithRSAPSS,
}

func parseSigAlg(algo cryptobyte.String) (asn1.ObjectIdentifier, x509.SignatureAlgorithm, error) {
	var body cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !algo.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1ObjectIdentifier(&oid) {
		return nil, x509.UnknownSignatureAlgorithm, crlError("the signature algorithm is not an object identifier")
	}
	if oid.Equal(oidRSAPSS) {
		return oid, pssAlgorithm(body), nil
	}
	return oid, sigAlgs[oid.String()], nil
}

// pssAlgorithm reads RSASSA-PSS-params far enough to learn the hash;
// crypto/x509 checks PSS signatures with a salt as long as the hash.
func pssAlgorithm(params cryptobyte.String) x509.SignatureAlgorithm {
	var seq, hashWrap, hashAlg cryptobyte.String
	var hash asn1.ObjectIdentifier
	if !params.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return x509.UnknownSignatureAlgorithm
	}
	if !seq.ReadASN1(&hashWrap, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return x509.UnknownSignatureAlgorithm // SHA-1 default: crypto/x509 has no SHA1WithRSAPSS
	}
	if !hashWrap.ReadASN1(&hashAlg, cbasn1.SEQUENCE) || !hashAlg.ReadASN1ObjectIdentifier(&hash) {
		return x509.UnknownSignatureAlgorithm
	}
	return pssHashes[hash.String()]
}

// ErrCRLSignature wraps every reason a CRL's signature does not check out.
var ErrCRLSignature = errors.New("the CRL's signature does not verify")

// CheckSignatureFrom checks that issuer signed the CRL, as OpenSSL's
// check_crl does: the key must be allowed to sign CRLs, and the signature
// must verify over the signed bytes.
func (c *CRL) CheckSignatureFrom(issuer *x509.Certificate) error {
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return fmt.Errorf("%w: the key usage of %q does not allow signing CRLs", ErrCRLSignature, issuer.Subject.CommonName)
	}
	if !bytes.Equal(c.innerAlgo, c.outerAlgo) {
		return fmt.Errorf("%w: its two signature algorithm fields disagree", ErrCRLSignature)
	}
	if c.SignatureAlgorithm == x509.UnknownSignatureAlgorithm {
		return fmt.Errorf("%w: cvpn cannot check signatures of algorithm %s", ErrCRLSignature, c.SignatureOID)
	}
	if err := issuer.CheckSignature(c.SignatureAlgorithm, c.RawTBS, c.Signature); err != nil {
		return fmt.Errorf("%w: %v", ErrCRLSignature, err)
	}
	return nil
}
