//go:build linux

package e2e

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/cvpn/cvpn/e2e/lab"
)

// TestCvpnCRLVerify gives cvpn a profile whose <crl-verify> is the shape
// a major provider ships: a version-1 CRL with UTCTimes lacking the
// trailing Z, which crypto/x509 refuses. Signed by the lab's CA, it must
// let cvpn connect when it does not list the server's certificate, and make
// cvpn refuse the server when it does. A CRL from a CA outside the server's
// chain is ignored, as stock OpenVPN ignores it ("unable to get
// certificate CRL" is only a warning there).
func TestCvpnCRLVerify(t *testing.T) {
	lab.Require(t, "ping")
	t.Parallel()
	tests := []struct {
		name    string
		crl     func(t *testing.T, l *lab.Lab) string
		refused bool
	}{
		{name: "server not revoked", crl: func(t *testing.T, l *lab.Lab) string {
			return v1CRLWithoutZ(t, l.PKI.CA, []*big.Int{l.PKI.Revoked.Cert.SerialNumber})
		}},
		{name: "server revoked", refused: true, crl: func(t *testing.T, l *lab.Lab) string {
			return v1CRLWithoutZ(t, l.PKI.CA, []*big.Int{l.PKI.Revoked.Cert.SerialNumber, l.PKI.Server.Cert.SerialNumber})
		}},
		{name: "CRL of an unrelated CA", crl: func(t *testing.T, l *lab.Lab) string {
			other, err := lab.NewPKI(lab.ECDSAP256)
			if err != nil {
				t.Fatal(err)
			}
			return string(other.CRLPEM)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := lab.NewT(t, lab.Options{})
			po := lab.ProfileOptions{Extra: []string{"<crl-verify>\n" + strings.TrimSpace(tt.crl(t, l)) + "\n</crl-verify>"}}
			if !tt.refused {
				startCvpn(t, l, po, false)
				assertTunnel(t, l)
				return
			}
			c := startCvpn(t, l, po, true)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			if err := c.WaitFor(ctx, "is revoked by the profile's CRL"); err != nil {
				t.Fatalf("cvpn did not refuse the revoked server: %v", err)
			}
			if log := c.Log(); strings.Contains(log, "\nconnected ") {
				t.Fatalf("cvpn connected to a revoked server:\n%s", log)
			}
		})
	}
}

// v1CRLWithoutZ signs, with the lab CA's key, a version-1 CRL whose times
// are UTCTime without a zone, revoking serials.
func v1CRLWithoutZ(t *testing.T, ca *lab.Cert, serials []*big.Int) string {
	t.Helper()
	_, isEC := ca.Key.(*ecdsa.PrivateKey)
	algo := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if isEC {
				b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}) // ecdsa-with-SHA256
				return
			}
			b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}) // sha256WithRSAEncryption
			b.AddASN1NULL()
		})
	}
	utcTime := func(b *cryptobyte.Builder, tm time.Time) {
		b.AddASN1(cbasn1.UTCTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(tm.UTC().Format("060102150405"))) })
	}
	now := time.Now()
	var tb cryptobyte.Builder
	tb.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		algo(b)
		b.AddBytes(ca.Cert.RawSubject)
		utcTime(b, now.Add(-time.Hour))
		utcTime(b, now.Add(30*24*time.Hour))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, s := range serials {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1BigInt(s)
					utcTime(b, now.Add(-time.Minute))
				})
			}
		})
	})
	tbs, err := tb.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(tbs)
	sig, err := ca.Key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbs)
		algo(b)
		b.AddASN1BitString(sig)
	})
	der, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
}
