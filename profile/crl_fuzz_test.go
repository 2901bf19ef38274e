package profile

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"

	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// FuzzParseCRL feeds arbitrary bytes to ParseCRL and ParseCRLs: they must
// return (no panic, no hang), and a CRL that parses must answer lookups and
// a signature check without panicking. The seeds run in every go test.
func FuzzParseCRL(f *testing.F) {
	ca := newTestCA(f, "Fuzz CA", "ecdsa", caUsage)
	seeds := []crlSpec{
		{this: "160101000000", next: "360101000000", revoked: bigs(1, 2, 3)},
		{this: "1601010000+0100"},
		{this: "20160101000000.25", thisTag: cbasn1.GeneralizedTime},
		{v2: true, this: "250101000000Z", revoked: bigs(7), entryExts: [][]pkix.Extension{{crlExt(f, oidExtReason, false, asn1.Enumerated(8))}},
			exts: []pkix.Extension{crlExt(f, oidExtDelta, true, 2), crlExt(f, asn1.ObjectIdentifier{2, 5, 29, 20}, false, 2)}},
		{v2: true, this: "250101000000Z", exts: []pkix.Extension{{Id: oidExtIDP, Critical: true, Value: []byte{0x30, 0x03, 0x84, 0x01, 0xff}}}},
		{this: "250101000000Z", rawSerials: [][]byte{{0x80}, {0, 0, 1}}},
	}
	for _, s := range seeds {
		der := s.build(f, ca)
		f.Add(der)
		f.Add([]byte(crlPEM(der)))
		f.Add(der[:len(der)-1])
	}
	for _, s := range []string{"", "0", "\x30\x80", "\x30\x00", "\x30\x03\x30\x01\x00", "-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		crls, _ := ParseCRLs(data)
		if c, err := ParseCRL(data); err == nil {
			crls = append(crls, c)
		}
		for _, c := range crls {
			_ = c.IsRevoked(big.NewInt(1))
			_ = c.IsRevoked(nil)
			_ = c.IssuedBy(ca.cert)
			_ = c.CheckSignatureFrom(ca.cert)
			if c.Version != 1 && c.Version != 2 {
				t.Fatalf("version %d", c.Version)
			}
		}
	})
}
