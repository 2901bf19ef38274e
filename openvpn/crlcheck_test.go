package openvpn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/cvpn/cvpn/profile"
)

// crlCA is a CA of the test chain, with its key so it can sign CRLs.
type crlCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCRLCA(t *testing.T, cn string, parent *crlCA, serial int64) *crlCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &crlCA{cert: c, key: key}
}

func (ca *crlCA) issueServer(t *testing.T, serial int64) *x509.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// v1CRL hand-builds what the real-world profiles carry: a version-1 CRL
// whose UTCTimes lack the trailing Z. next "" leaves nextUpdate out.
func (ca *crlCA) v1CRL(t *testing.T, this, next string, revoked ...int64) string {
	t.Helper()
	algo := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2})
		})
	}
	utcTime := func(b *cryptobyte.Builder, v string) {
		b.AddASN1(cbasn1.UTCTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(v)) })
	}
	var tb cryptobyte.Builder
	tb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		algo(b)
		b.AddBytes(ca.cert.RawSubject)
		utcTime(b, this)
		if next != "" {
			utcTime(b, next)
		}
		if len(revoked) > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, s := range revoked {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1BigInt(big.NewInt(s))
						utcTime(b, "150101000000")
					})
				}
			})
		}
	})
	tbs := tb.BytesOrPanic()
	h := sha256.Sum256(tbs)
	sig, err := ecdsa.SignASN1(rand.Reader, ca.key, h[:])
	if err != nil {
		t.Fatal(err)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		algo(b)
		b.AddASN1BitString(sig)
	})
	return string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: b.BytesOrPanic()}))
}

// v2CRL is a standard CRL made by crypto/x509.
func (ca *crlCA) v2CRL(t *testing.T, this, next time.Time, exts []pkix.Extension, revoked ...int64) string {
	t.Helper()
	var entries []x509.RevocationListEntry
	for _, s := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: this})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: this, NextUpdate: next, RevokedCertificateEntries: entries, ExtraExtensions: exts,
	}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
}

func certPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

func TestServerVerifierCRL(t *testing.T) {
	root := newCRLCA(t, "root", nil, 1)
	inter := newCRLCA(t, "inter", root, 50)
	impostor := newCRLCA(t, "root", nil, 1) // same name, other key
	other := newCRLCA(t, "other", nil, 1)
	direct := root.issueServer(t, 1001)
	viaInter := inter.issueServer(t, 2002)
	now := time.Now()
	fresh := func(ca *crlCA, revoked ...int64) string {
		return ca.v2CRL(t, now.Add(-time.Hour), now.Add(time.Hour), nil, revoked...)
	}
	critical := []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}}}

	tests := []struct {
		name  string
		chain []*x509.Certificate // as the server sends it
		crl   string
		want  string // "" accepts
	}{
		{"v1 CRL lacking Z, not revoked", []*x509.Certificate{direct}, root.v1CRL(t, "160101000000", "491231235959", 7, 8), ""},
		{"v1 CRL lacking Z, revoked", []*x509.Certificate{direct}, root.v1CRL(t, "160101000000", "", 1001),
			`the server's certificate (serial 1001, CN "server") is revoked by the profile's CRL`},
		{"standard CRL revokes", []*x509.Certificate{direct}, fresh(root, 3, 1001), "serial 1001"},
		// OpenVPN logs a missing CRL and goes on.
		{"CRL from another CA only", []*x509.Certificate{direct}, fresh(other, 1001), ""},
		{"expired CRL", []*x509.Certificate{direct}, root.v1CRL(t, "150101000000", "160101000000"), "expired on 2016-01-01T00:00:00Z"},
		{"CRL not yet valid", []*x509.Certificate{direct}, root.v2CRL(t, now.Add(time.Hour), now.Add(2*time.Hour), nil), "is not valid before"},
		{"CRL signed by another key", []*x509.Certificate{direct}, fresh(impostor), `the profile's CRL from "root" is not signed by that CA`},
		{"unhandled critical extension", []*x509.Certificate{direct}, root.v2CRL(t, now.Add(-time.Hour), now.Add(time.Hour), critical), "critical extension (1.2.3.4)"},
		{"an expired and a current CRL", []*x509.Certificate{direct}, root.v1CRL(t, "150101000000", "160101000000", 1001) + fresh(root), ""},
		{"chain with the intermediate's CRL only", []*x509.Certificate{viaInter, inter.cert}, fresh(inter), ""},
		{"chain with the root's CRL only", []*x509.Certificate{viaInter, inter.cert}, fresh(root, 50), "(serial 50, CN \"inter\") is revoked"},
		{"leaf revoked, root CRL missing", []*x509.Certificate{viaInter, inter.cert}, fresh(inter, 2002), "serial 2002"},
		{"chain with both CRLs", []*x509.Certificate{viaInter, inter.cert}, fresh(inter) + fresh(root), ""},
		{"intermediate revoked", []*x509.Certificate{viaInter, inter.cert}, fresh(inter) + fresh(root, 50),
			`a CA certificate of the server's chain (serial 50, CN "inter") is revoked`},
		{"leaf revoked by the intermediate", []*x509.Certificate{viaInter, inter.cert}, fresh(inter, 2002) + fresh(root), "serial 2002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prof := &profile.TLS{CA: certPEM(root.cert), CRL: []byte(tt.crl)}
			crl, err := newCRLChecker(prof)
			if err != nil {
				t.Fatal(err)
			}
			roots := x509.NewCertPool()
			roots.AddCert(root.cert)
			v := serverVerifier{roots: roots, tls: prof, crl: crl}
			raw := make([][]byte, len(tt.chain))
			for i, c := range tt.chain {
				raw[i] = c.Raw
			}
			err = v.verify(raw, nil)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v, want %q", err, tt.want)
			case err != nil && !errors.Is(err, ErrServerCertificate):
				t.Fatalf("%v does not wrap ErrServerCertificate", err)
			}
		})
	}
}

func TestCRLCheckerClockAndParse(t *testing.T) {
	root := newCRLCA(t, "root", nil, 1)
	leaf := root.issueServer(t, 9)
	prof := &profile.TLS{CA: certPEM(root.cert), CRL: []byte(root.v1CRL(t, "250101000000", "250201000000"))}
	k, err := newCRLChecker(prof)
	if err != nil {
		t.Fatal(err)
	}
	chain := [][]*x509.Certificate{{leaf, root.cert}}
	k.now = func() time.Time { return time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC) }
	if err := k.check(chain); err != nil {
		t.Errorf("within the CRL's dates: %v", err)
	}
	k.now = func() time.Time { return time.Date(2025, 2, 2, 0, 0, 0, 0, time.UTC) }
	if err := k.check(chain); err == nil || !strings.Contains(err.Error(), "expired on 2025-02-01") {
		t.Errorf("after nextUpdate: %v", err)
	}
	if k, err := newCRLChecker(&profile.TLS{}); k != nil || err != nil {
		t.Errorf("no CRL: %v %v", k, err)
	}
	var none *crlChecker
	if err := none.check(chain); err != nil { // a nil checker accepts
		t.Error(err)
	}
	_, err = newCRLChecker(&profile.TLS{CRL: []byte("-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n")})
	if err == nil || !strings.Contains(err.Error(), "<crl-verify> cannot be read") {
		t.Errorf("garbage CRL: %v", err)
	}
}
