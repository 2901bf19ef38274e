package profile

// A lenient reader for certificate revocation lists (crl-verify).
//
// crypto/x509's ParseRevocationList wants RFC 5280 to the letter. Real
// profiles carry CRLs that OpenSSL loads and Go refuses: version-1 CRLs whose
// times are UTCTime without the trailing Z ("160101000000"), or with a
// +hhmm offset. OpenSSL's d2i never looks inside a time, so such a CRL loads;
// this reader parses the same shapes, reads a time without a zone as UTC,
// and keeps the signed bytes so the signature is checked against the issuer.
//
// Everything is bounded: the input size, the number of entries and the
// length of a serial, so a hostile profile costs at most a few megabytes.

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

const (
	// MaxCRLSize bounds one DER-encoded CRL.
	MaxCRLSize = 4 << 20
	// MaxCRLEntries bounds the revoked certificates one CRL may list.
	MaxCRLEntries = 200000
	// MaxCRLs bounds the CRLs one crl-verify may hold.
	MaxCRLs        = 64
	maxSerialBytes = 128 // RFC 5280 allows 20; some CAs write a few more
)

// CRL is a parsed certificate revocation list.
type CRL struct {
	Raw       []byte // the whole CRL, DER
	RawTBS    []byte // the signed part (tbsCertList)
	RawIssuer []byte // the issuer Name, DER, as written
	Issuer    pkix.Name
	Version   int // 1 or 2

	ThisUpdate time.Time
	NextUpdate time.Time // zero when the CRL has none

	// SignatureAlgorithm is UnknownSignatureAlgorithm when cvpn cannot
	// check the signature; SignatureOID says what it was.
	SignatureAlgorithm x509.SignatureAlgorithm
	SignatureOID       asn1.ObjectIdentifier
	Signature          []byte

	// UnhandledCritical is the OID of the first critical extension that
	// OpenSSL does not handle (anything but issuingDistributionPoint,
	// authorityKeyIdentifier and deltaCRLIndicator at CRL level, anything but
	// certificateIssuer on an entry). OpenSSL refuses such a CRL when it
	// checks a certificate against it, and so does cvpn.
	UnhandledCritical string
	// Delta is set for a delta CRL; OpenSSL (without X509_V_FLAG_USE_DELTAS)
	// never uses one.
	Delta bool
	// IDP holds the issuingDistributionPoint scope flags.
	IDP IssuingDistributionPoint

	// Entries is how many revoked certificates the CRL lists.
	Entries int

	innerAlgo, outerAlgo []byte
	revoked              map[string]struct{}
}

// IssuingDistributionPoint holds the scope flags of a CRL's
// issuingDistributionPoint extension.
type IssuingDistributionPoint struct {
	Present         bool
	OnlyUser        bool
	OnlyCA          bool
	OnlyAttr        bool
	Indirect        bool
	OnlySomeReasons bool
	HasName         bool // a distributionPoint name is given
}

// Object identifiers used below.
var (
	oidExtIDP        = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidExtAKI        = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtDelta      = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidExtReason     = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidExtCertIssuer = asn1.ObjectIdentifier{2, 5, 29, 29}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
)

// reasonRemoveFromCRL (a delta CRL's "no longer revoked") revokes nothing.
const reasonRemoveFromCRL = 8

// crlError is what every parse failure looks like.
func crlError(format string, args ...any) error {
	return fmt.Errorf("the CRL does not parse: "+format, args...)
}

// ParseCRL reads one DER-encoded CRL, version 1 or 2.
func ParseCRL(der []byte) (*CRL, error) {
	if len(der) > MaxCRLSize {
		return nil, crlError("it is %d bytes, more than the %d cvpn reads", len(der), MaxCRLSize)
	}
	c := &CRL{Raw: der}
	in := cryptobyte.String(der)
	var whole, tbs, outer cryptobyte.String
	var sig asn1.BitString
	if !in.ReadASN1(&whole, cbasn1.SEQUENCE) {
		return nil, crlError("it is not an ASN.1 sequence")
	}
	if !in.Empty() {
		return nil, crlError("bytes follow the CRL")
	}
	if !whole.ReadASN1Element(&tbs, cbasn1.SEQUENCE) {
		return nil, crlError("no tbsCertList")
	}
	c.RawTBS = tbs
	if !whole.ReadASN1Element(&outer, cbasn1.SEQUENCE) {
		return nil, crlError("no signatureAlgorithm")
	}
	c.outerAlgo = outer
	if !whole.ReadASN1BitString(&sig) {
		return nil, crlError("the signature is not a bit string")
	}
	c.Signature = sig.RightAlign()
	var err error
	if c.SignatureOID, c.SignatureAlgorithm, err = parseSigAlg(outer); err != nil {
		return nil, err
	}
	if err := c.parseTBS(tbs); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *CRL) parseTBS(tbs cryptobyte.String) error {
	var body cryptobyte.String
	if !tbs.ReadASN1(&body, cbasn1.SEQUENCE) {
		return crlError("tbsCertList is not a sequence")
	}
	c.Version = 1
	if body.PeekASN1Tag(cbasn1.INTEGER) {
		var v int64
		if !body.ReadASN1Int64WithTag(&v, cbasn1.INTEGER) {
			return crlError("the version is not a small integer")
		}
		// OpenSSL loads any version; only v1 (absent) and v2 (1) exist.
		if v != 0 && v != 1 {
			return crlError("version %d is not a CRL version (1 or 2)", v+1)
		}
		c.Version = int(v) + 1
	}
	var inner, issuer cryptobyte.String
	if !body.ReadASN1Element(&inner, cbasn1.SEQUENCE) {
		return crlError("the inner signature algorithm is missing")
	}
	c.innerAlgo = inner
	if !body.ReadASN1Element(&issuer, cbasn1.SEQUENCE) {
		return crlError("the issuer is not a name")
	}
	c.RawIssuer = issuer
	c.Issuer = parseName(issuer)
	var err error
	if c.ThisUpdate, err = readTime(&body); err != nil {
		return crlError("thisUpdate is not a time: %v", err)
	}
	if body.PeekASN1Tag(cbasn1.UTCTime) || body.PeekASN1Tag(cbasn1.GeneralizedTime) {
		if c.NextUpdate, err = readTime(&body); err != nil {
			return crlError("nextUpdate is not a time: %v", err)
		}
	}
	if body.PeekASN1Tag(cbasn1.SEQUENCE) {
		var list cryptobyte.String
		if !body.ReadASN1(&list, cbasn1.SEQUENCE) {
			return crlError("revokedCertificates is not a sequence")
		}
		if err := c.parseEntries(list); err != nil {
			return err
		}
	}
	extTag := cbasn1.Tag(0).Constructed().ContextSpecific()
	if body.PeekASN1Tag(extTag) {
		var wrap, exts cryptobyte.String
		if !body.ReadASN1(&wrap, extTag) || !wrap.ReadASN1(&exts, cbasn1.SEQUENCE) || !wrap.Empty() {
			return crlError("crlExtensions are not a sequence")
		}
		if err := c.parseExtensions(exts); err != nil {
			return err
		}
	}
	if !body.Empty() {
		return crlError("unexpected data at the end of tbsCertList")
	}
	return nil
}

type extension struct {
	oid      asn1.ObjectIdentifier
	critical bool
	value    cryptobyte.String
}

func readExtension(exts *cryptobyte.String) (extension, bool) {
	var e extension
	var ext cryptobyte.String
	if !exts.ReadASN1(&ext, cbasn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&e.oid) {
		return e, false
	}
	if ext.PeekASN1Tag(cbasn1.BOOLEAN) {
		var b cryptobyte.String
		if !ext.ReadASN1(&b, cbasn1.BOOLEAN) || len(b) != 1 {
			return e, false
		}
		e.critical = b[0] != 0 // BER: any non-zero octet is TRUE
	}
	if !ext.ReadASN1(&e.value, cbasn1.OCTET_STRING) || !ext.Empty() {
		return e, false
	}
	return e, true
}

func (c *CRL) parseExtensions(exts cryptobyte.String) error {
	for n := 0; !exts.Empty(); n++ {
		if n >= 1000 {
			return crlError("too many CRL extensions")
		}
		e, ok := readExtension(&exts)
		if !ok {
			return crlError("CRL extension %d is malformed", n+1)
		}
		switch {
		case e.oid.Equal(oidExtDelta):
			c.Delta = true
		case e.oid.Equal(oidExtIDP):
			c.IDP = parseIDP(e.value)
		case e.oid.Equal(oidExtAKI):
		default:
			if e.critical && c.UnhandledCritical == "" {
				c.UnhandledCritical = e.oid.String()
			}
		}
	}
	return nil
}

// parseIDP reads the flags of IssuingDistributionPoint. A malformed one is
// marked present with every restriction set, so it scopes nothing in.
func parseIDP(v cryptobyte.String) IssuingDistributionPoint {
	bad := IssuingDistributionPoint{Present: true, Indirect: true, OnlySomeReasons: true}
	idp := IssuingDistributionPoint{Present: true}
	var seq cryptobyte.String
	if !v.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return bad
	}
	for !seq.Empty() {
		var field cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1(&field, &tag) {
			return bad
		}
		flag := len(field) == 1 && field[0] != 0
		switch tag {
		case cbasn1.Tag(0).Constructed().ContextSpecific():
			idp.HasName = true
		case cbasn1.Tag(1).ContextSpecific():
			idp.OnlyUser = flag
		case cbasn1.Tag(2).ContextSpecific():
			idp.OnlyCA = flag
		case cbasn1.Tag(3).ContextSpecific():
			idp.OnlySomeReasons = true
		case cbasn1.Tag(4).ContextSpecific():
			idp.Indirect = flag
		case cbasn1.Tag(5).ContextSpecific():
			idp.OnlyAttr = flag
		default:
			return bad
		}
	}
	return idp
}

func (c *CRL) parseEntries(list cryptobyte.String) error {
	c.revoked = make(map[string]struct{})
	var entryIssuer []byte // certificateIssuer of an indirect CRL, nil: the CRL's issuer
	for n := 0; !list.Empty(); n++ {
		if n >= MaxCRLEntries {
			return crlError("it lists more than %d certificates", MaxCRLEntries)
		}
		var entry, serial, date cryptobyte.String
		var dateTag cbasn1.Tag
		if !list.ReadASN1(&entry, cbasn1.SEQUENCE) {
			return crlError("revoked entry %d is not a sequence", n+1)
		}
		if !entry.ReadASN1(&serial, cbasn1.INTEGER) || len(serial) == 0 {
			return crlError("revoked entry %d has no serial number", n+1)
		}
		if len(serial) > maxSerialBytes {
			return crlError("revoked entry %d has a %d-byte serial number", n+1, len(serial))
		}
		// OpenSSL never reads revocationDate; accept any time encoding.
		if !entry.ReadAnyASN1(&date, &dateTag) || (dateTag != cbasn1.UTCTime && dateTag != cbasn1.GeneralizedTime) {
			return crlError("revoked entry %d has no revocation date", n+1)
		}
		remove := false
		if !entry.Empty() {
			var exts cryptobyte.String
			if !entry.ReadASN1(&exts, cbasn1.SEQUENCE) || !entry.Empty() {
				return crlError("the extensions of revoked entry %d are malformed", n+1)
			}
			for k := 0; !exts.Empty(); k++ {
				e, ok := readExtension(&exts)
				if !ok || k >= 100 {
					return crlError("the extensions of revoked entry %d are malformed", n+1)
				}
				switch {
				case e.oid.Equal(oidExtReason):
					var r int64
					if e.value.ReadASN1Int64WithTag(&r, cbasn1.ENUM) && r == reasonRemoveFromCRL {
						remove = true
					}
				case e.oid.Equal(oidExtCertIssuer):
					entryIssuer = directoryName(e.value)
					continue
				}
				if e.critical && c.UnhandledCritical == "" && !e.oid.Equal(oidExtCertIssuer) {
					c.UnhandledCritical = e.oid.String()
				}
			}
		}
		c.Entries++
		// An entry of an indirect CRL that names another issuer does not
		// revoke a certificate of this CRL's issuer.
		if remove || (entryIssuer != nil && !bytes.Equal(entryIssuer, c.RawIssuer)) {
			continue
		}
		c.revoked[keyOf(serialInt(serial))] = struct{}{}
	}
	return nil
}

// directoryName returns the first directoryName in GeneralNames, or an
// empty non-nil slice when there is none (the entry then matches nothing).
func directoryName(v cryptobyte.String) []byte {
	var names cryptobyte.String
	if !v.ReadASN1(&names, cbasn1.SEQUENCE) {
		return []byte{}
	}
	for !names.Empty() {
		var gn cryptobyte.String
		var tag cbasn1.Tag
		if !names.ReadAnyASN1(&gn, &tag) {
			return []byte{}
		}
		if tag == cbasn1.Tag(4).Constructed().ContextSpecific() {
			var name cryptobyte.String
			if gn.ReadASN1Element(&name, cbasn1.SEQUENCE) {
				return name
			}
		}
	}
	return []byte{}
}

// serialInt reads INTEGER contents as two's complement; unlike
// crypto/x509 it accepts the needless leading zeros some CAs write.
func serialInt(raw []byte) *big.Int {
	v := new(big.Int).SetBytes(raw)
	if len(raw) > 0 && raw[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(raw))))
	}
	return v
}

// keyOf makes a map key of a serial: its sign and magnitude.
func keyOf(v *big.Int) string {
	if v.Sign() < 0 {
		return "-" + string(new(big.Int).Neg(v).Bytes())
	}
	return "+" + string(v.Bytes())
}

// IsRevoked reports whether the CRL revokes the certificate with this
// serial (issued by the CRL's issuer).
func (c *CRL) IsRevoked(serial *big.Int) bool {
	if c == nil || serial == nil {
		return false
	}
	_, ok := c.revoked[keyOf(serial)]
	return ok
}

// IssuedBy reports whether the CRL names cert's subject as its issuer:
// byte for byte, or after the case and space folding OpenSSL applies when it
// compares names.
func (c *CRL) IssuedBy(cert *x509.Certificate) bool {
	return SameName(c.RawIssuer, cert.RawSubject)
}

// ParseCRLs reads every -----BEGIN X509 CRL----- block of PEM text; text
// without any PEM block is read as one DER CRL.
func ParseCRLs(data []byte) ([]*CRL, error) {
	var out []*CRL
	rest := data
	sawPEM := false
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		sawPEM = true
		if b.Type != "X509 CRL" {
			continue
		}
		if len(out) >= MaxCRLs {
			return nil, fmt.Errorf("more than %d CRLs", MaxCRLs)
		}
		c, err := ParseCRL(b.Bytes)
		if err != nil {
			if len(out) > 0 || hasMore(rest) {
				return nil, fmt.Errorf("CRL %d: %w", len(out)+1, err)
			}
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) > 0 {
		return out, nil
	}
	if !sawPEM && len(data) > 0 && data[0] == 0x30 {
		c, err := ParseCRL(data)
		if err != nil {
			return nil, err
		}
		return []*CRL{c}, nil
	}
	return nil, errors.New("no -----BEGIN X509 CRL----- block")
}

func hasMore(rest []byte) bool {
	return bytes.Contains(rest, []byte("-----BEGIN X509 CRL-----"))
}
