package profile

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Test CAs and hand-built CRLs: the CRLs are marshalled here, field by
// field, so the tests can write what crypto/x509 never would (a v1 CRL
// with UTCTime lacking its Z, say).

type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  string
}

var (
	rsaKeyOnce sync.Once
	rsaKey     *rsa.PrivateKey
)

func testRSAKey() *rsa.PrivateKey {
	rsaKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

// newTestCA makes a self-signed CA; kind is "ecdsa", "rsa" or "ed25519".
func newTestCA(t testing.TB, cn, kind string, usage x509.KeyUsage) *testCA {
	t.Helper()
	var key crypto.Signer
	switch kind {
	case "rsa":
		key = testRSAKey()
	case "ed25519":
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		key = k
	default:
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		key = k
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{"Test VPN"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: usage,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

const caUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign

// crlSpec describes a CRL to build by hand.
type crlSpec struct {
	v2          bool
	this, next  string     // time contents; next "" leaves nextUpdate out
	thisTag     cbasn1.Tag // 0: UTCTime
	nextTag     cbasn1.Tag
	revoked     []*big.Int
	entryExts   [][]pkix.Extension // per entry, optional
	exts        []pkix.Extension
	alg         string // "ecdsa" (default), "rsa-sha256", "rsa-sha1", "rsa-pss", "ed25519"
	innerAlg    []byte // overrides the inner algorithm identifier
	issuerDER   []byte // overrides the issuer name
	rawSerials  [][]byte
	trailingTBS []byte
}

var (
	oidECDSA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidRSA256   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidRSA1     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidMGF1     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidEd25519  = asn1.ObjectIdentifier{1, 3, 101, 112}
)

func algID(alg string) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		switch alg {
		case "rsa-sha256":
			b.AddASN1ObjectIdentifier(oidRSA256)
			b.AddASN1NULL()
		case "rsa-sha1":
			b.AddASN1ObjectIdentifier(oidRSA1)
			b.AddASN1NULL()
		case "rsa-pss":
			b.AddASN1ObjectIdentifier(oidRSAPSS)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidSHA256); b.AddASN1NULL() })
				})
				b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidMGF1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidSHA256); b.AddASN1NULL() })
					})
				})
				b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(32) })
			})
		case "ed25519":
			b.AddASN1ObjectIdentifier(oidEd25519)
		default:
			b.AddASN1ObjectIdentifier(oidECDSA256)
		}
	})
	return b.BytesOrPanic()
}

func addTime(b *cryptobyte.Builder, tag cbasn1.Tag, v string) {
	if tag == 0 {
		tag = cbasn1.UTCTime
	}
	b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes([]byte(v)) })
}

func addExts(b *cryptobyte.Builder, exts []pkix.Extension) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, e := range exts {
			der, err := asn1.Marshal(e)
			if err != nil {
				b.SetError(err)
				return
			}
			b.AddBytes(der)
		}
	})
}

// build marshals and signs the CRL, returning DER.
func (s crlSpec) build(t testing.TB, ca *testCA) []byte {
	t.Helper()
	outer := algID(s.alg)
	inner := outer
	if s.innerAlg != nil {
		inner = s.innerAlg
	}
	issuer := ca.cert.RawSubject
	if s.issuerDER != nil {
		issuer = s.issuerDER
	}
	var tb cryptobyte.Builder
	tb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if s.v2 {
			b.AddASN1Int64(1)
		}
		b.AddBytes(inner)
		b.AddBytes(issuer)
		addTime(b, s.thisTag, s.this)
		if s.next != "" {
			addTime(b, s.nextTag, s.next)
		}
		if len(s.revoked) > 0 || len(s.rawSerials) > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for i, serial := range s.revoked {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1BigInt(serial)
						addTime(b, cbasn1.UTCTime, "150101000000")
						if i < len(s.entryExts) && len(s.entryExts[i]) > 0 {
							addExts(b, s.entryExts[i])
						}
					})
				}
				for _, raw := range s.rawSerials {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.INTEGER, func(b *cryptobyte.Builder) { b.AddBytes(raw) })
						addTime(b, cbasn1.UTCTime, "150101000000Z")
					})
				}
			})
		}
		if len(s.exts) > 0 {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { addExts(b, s.exts) })
		}
		b.AddBytes(s.trailingTBS)
	})
	tbs := tb.BytesOrPanic()
	sig := signTBS(t, ca.key, s.alg, tbs)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		b.AddBytes(outer)
		b.AddASN1BitString(sig)
	})
	return b.BytesOrPanic()
}

func signTBS(t testing.TB, key crypto.Signer, alg string, tbs []byte) []byte {
	t.Helper()
	var sig []byte
	var err error
	switch alg {
	case "rsa-sha256":
		h := sha256.Sum256(tbs)
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, h[:])
	case "rsa-sha1":
		h := sha1.Sum(tbs)
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA1, h[:])
	case "rsa-pss":
		h := sha256.Sum256(tbs)
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ed25519":
		sig = ed25519.Sign(key.(ed25519.PrivateKey), tbs)
	default:
		h := sha256.Sum256(tbs)
		sig, err = ecdsa.SignASN1(rand.Reader, key.(*ecdsa.PrivateKey), h[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func crlPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
}

// crlExt builds a pkix.Extension whose value is the DER of v.
func crlExt(t testing.TB, oid asn1.ObjectIdentifier, critical bool, v any) pkix.Extension {
	t.Helper()
	der, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oid, Critical: critical, Value: der}
}
