package profile

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func utc(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, time.UTC)
}

func TestParseCRL(t *testing.T) {
	ca := newTestCA(t, "Test CA", "ecdsa", caUsage)
	rsaCA := newTestCA(t, "RSA CA", "rsa", caUsage)
	edCA := newTestCA(t, "Ed CA", "ed25519", caUsage)
	reason := func(r int) []pkix.Extension {
		return []pkix.Extension{crlExt(t, oidExtReason, false, asn1.Enumerated(r))}
	}
	critical := crlExt(t, asn1.ObjectIdentifier{1, 2, 3, 4}, true, 1)
	crlNumber := crlExt(t, asn1.ObjectIdentifier{2, 5, 29, 20}, false, 7)
	aki := crlExt(t, oidExtAKI, true, struct {
		ID []byte `asn1:"optional,tag:0"`
	}{ID: []byte{1, 2, 3}})
	otherIssuer := newTestCA(t, "Other CA", "ecdsa", caUsage)
	certIssuer := pkix.Extension{Id: oidExtCertIssuer, Critical: true, Value: mustMarshal(t, []asn1.RawValue{{Class: 2, Tag: 4, IsCompound: true, Bytes: otherIssuer.cert.RawSubject}})}

	tests := []struct {
		name       string
		ca         *testCA
		spec       crlSpec
		this, next time.Time
		version    int
		revoked    []int64
		notRevoked []int64
		critical   string
		delta      bool
	}{
		{name: "v1 UTCTime without Z", spec: crlSpec{this: "160101000000", next: "360101000000", revoked: bigs(5, 9)},
			this: utc(2016, 1, 1, 0, 0, 0), next: utc(2036, 1, 1, 0, 0, 0), version: 1, revoked: []int64{5, 9}, notRevoked: []int64{1, 6}},
		{name: "v1 with +0000 offset", spec: crlSpec{this: "160101000000+0000", next: "360101000000+0000"},
			this: utc(2016, 1, 1, 0, 0, 0), next: utc(2036, 1, 1, 0, 0, 0), version: 1},
		{name: "offsets move the time", spec: crlSpec{this: "160101010000+0130", next: "351231230000-0100"},
			this: utc(2015, 12, 31, 23, 30, 0), next: utc(2036, 1, 1, 0, 0, 0), version: 1},
		{name: "UTCTime without seconds", spec: crlSpec{this: "1601010000Z", next: "3601010000"},
			this: utc(2016, 1, 1, 0, 0, 0), next: utc(2036, 1, 1, 0, 0, 0), version: 1},
		{name: "UTCTime 1950s", spec: crlSpec{this: "500101000000Z"}, this: utc(1950, 1, 1, 0, 0, 0), version: 1},
		{name: "GeneralizedTime variants", spec: crlSpec{this: "20160101000000.5Z", thisTag: cbasn1.GeneralizedTime, next: "205001010000", nextTag: cbasn1.GeneralizedTime},
			this: time.Date(2016, 1, 1, 0, 0, 0, 5e8, time.UTC), next: utc(2050, 1, 1, 0, 0, 0), version: 1},
		{name: "no nextUpdate", spec: crlSpec{this: "160101000000Z", revoked: bigs(3)}, this: utc(2016, 1, 1, 0, 0, 0), version: 1, revoked: []int64{3}},
		{name: "v2 with entry and CRL extensions", spec: crlSpec{v2: true, this: "250101000000Z", next: "350101000000Z",
			revoked: bigs(10, 11, 12), entryExts: [][]pkix.Extension{reason(1), nil, reason(8)}, exts: []pkix.Extension{crlNumber, aki}},
			this: utc(2025, 1, 1, 0, 0, 0), next: utc(2035, 1, 1, 0, 0, 0), version: 2, revoked: []int64{10, 11}, notRevoked: []int64{12}},
		{name: "unknown critical CRL extension noted", spec: crlSpec{v2: true, this: "250101000000Z", exts: []pkix.Extension{critical}},
			this: utc(2025, 1, 1, 0, 0, 0), version: 2, critical: "1.2.3.4"},
		{name: "critical entry extension noted", spec: crlSpec{v2: true, this: "250101000000Z", revoked: bigs(4), entryExts: [][]pkix.Extension{{critical}}},
			this: utc(2025, 1, 1, 0, 0, 0), version: 2, critical: "1.2.3.4", revoked: []int64{4}},
		{name: "delta CRL", spec: crlSpec{v2: true, this: "250101000000Z", exts: []pkix.Extension{crlExt(t, oidExtDelta, true, 3)}},
			this: utc(2025, 1, 1, 0, 0, 0), version: 2, delta: true},
		{name: "indirect entries of another issuer", spec: crlSpec{v2: true, this: "250101000000Z", revoked: bigs(20, 21), entryExts: [][]pkix.Extension{{certIssuer}}},
			this: utc(2025, 1, 1, 0, 0, 0), version: 2, notRevoked: []int64{20, 21}},
		{name: "negative and zero-padded serials", spec: crlSpec{this: "250101000000Z", rawSerials: [][]byte{{0xff}, {0x00, 0x00, 0x2a}}},
			this: utc(2025, 1, 1, 0, 0, 0), version: 1, revoked: []int64{-1, 42}, notRevoked: []int64{255}},
		{name: "RSA PKCS#1 SHA-256", ca: rsaCA, spec: crlSpec{alg: "rsa-sha256", this: "250101000000Z"}, this: utc(2025, 1, 1, 0, 0, 0), version: 1},
		{name: "RSA PKCS#1 SHA-1", ca: rsaCA, spec: crlSpec{alg: "rsa-sha1", this: "250101000000Z"}, this: utc(2025, 1, 1, 0, 0, 0), version: 1},
		{name: "RSA-PSS SHA-256", ca: rsaCA, spec: crlSpec{alg: "rsa-pss", this: "250101000000Z"}, this: utc(2025, 1, 1, 0, 0, 0), version: 1},
		{name: "Ed25519", ca: edCA, spec: crlSpec{alg: "ed25519", this: "250101000000Z"}, this: utc(2025, 1, 1, 0, 0, 0), version: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issuer := ca
			if tt.ca != nil {
				issuer = tt.ca
			}
			c, err := ParseCRL(tt.spec.build(t, issuer))
			if err != nil {
				t.Fatalf("ParseCRL: %v", err)
			}
			if !c.ThisUpdate.Equal(tt.this) || !c.NextUpdate.Equal(tt.next) {
				t.Errorf("times = %v, %v; want %v, %v", c.ThisUpdate, c.NextUpdate, tt.this, tt.next)
			}
			if c.Version != tt.version {
				t.Errorf("version = %d, want %d", c.Version, tt.version)
			}
			for _, s := range tt.revoked {
				if !c.IsRevoked(big.NewInt(s)) {
					t.Errorf("serial %d not revoked", s)
				}
			}
			for _, s := range tt.notRevoked {
				if c.IsRevoked(big.NewInt(s)) {
					t.Errorf("serial %d revoked", s)
				}
			}
			if c.UnhandledCritical != tt.critical || c.Delta != tt.delta {
				t.Errorf("critical %q delta %v; want %q %v", c.UnhandledCritical, c.Delta, tt.critical, tt.delta)
			}
			if !c.IssuedBy(issuer.cert) || c.Issuer.CommonName != issuer.cert.Subject.CommonName {
				t.Errorf("issuer %v does not match %v", c.Issuer, issuer.cert.Subject)
			}
			if err := c.CheckSignatureFrom(issuer.cert); err != nil {
				t.Errorf("signature: %v", err)
			}
			if err := c.CheckSignatureFrom(otherIssuer.cert); !errors.Is(err, ErrCRLSignature) {
				t.Errorf("signature from the wrong CA: %v", err)
			}
		})
	}
}

func TestParseCRLStandard(t *testing.T) {
	ca := newTestCA(t, "Test CA", "ecdsa", caUsage)
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(2), ThisUpdate: utc(2025, 6, 1, 0, 0, 0), NextUpdate: utc(2025, 7, 1, 0, 0, 0),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(77), RevocationTime: utc(2025, 5, 1, 0, 0, 0), ReasonCode: 1}},
	}, ca.cert, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	crls, err := ParseCRLs([]byte("junk before\n" + crlPEM(der) + crlPEM(der)))
	if err != nil {
		t.Fatal(err)
	}
	if len(crls) != 2 {
		t.Fatalf("%d CRLs, want 2", len(crls))
	}
	c := crls[0]
	if c.Version != 2 || !c.IsRevoked(big.NewInt(77)) || c.IsRevoked(big.NewInt(78)) || !c.NextUpdate.Equal(utc(2025, 7, 1, 0, 0, 0)) {
		t.Errorf("parsed %+v", c)
	}
	if err := c.CheckSignatureFrom(ca.cert); err != nil {
		t.Error(err)
	}
	if got, err := ParseCRLs(der); err != nil || len(got) != 1 {
		t.Errorf("bare DER: %v", err)
	}
}

func TestParseCRLErrors(t *testing.T) {
	ca := newTestCA(t, "Test CA", "ecdsa", caUsage)
	good := crlSpec{this: "160101000000", revoked: bigs(1)}.build(t, ca)
	tests := []struct {
		name string
		der  []byte
		want string
	}{
		{"empty", nil, "not an ASN.1 sequence"},
		{"garbage", []byte("this is not a CRL at all"), "not an ASN.1 sequence"},
		{"truncated", good[:len(good)/2], "not an ASN.1 sequence"},
		{"trailing bytes", append(append([]byte{}, good...), 0), "bytes follow"},
		{"short thisUpdate", crlSpec{this: "16010100"}.build(t, ca), "thisUpdate is not a time"},
		{"bad month", crlSpec{this: "161301000000Z"}.build(t, ca), "thisUpdate is not a time"},
		{"bad zone", crlSpec{this: "160101000000X"}.build(t, ca), "thisUpdate is not a time"},
		{"bad nextUpdate", crlSpec{this: "160101000000Z", next: "16010100000Z"}.build(t, ca), "nextUpdate is not a time"},
		{"no thisUpdate", crlSpec{this: "x", thisTag: cbasn1.OCTET_STRING}.build(t, ca), "thisUpdate is not a time"},
		{"trailing TBS data", crlSpec{this: "160101000000Z", trailingTBS: []byte{5, 0}}.build(t, ca), "unexpected data"},
		{"huge serial", crlSpec{this: "160101000000Z", rawSerials: [][]byte{make([]byte, 200)}}.build(t, ca), "200-byte serial"},
		{"too big", make([]byte, MaxCRLSize+1), "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCRL(tt.der)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "the CRL does not parse: ") {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := ParseCRLs([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")); err == nil || !strings.Contains(err.Error(), "no -----BEGIN X509 CRL-----") {
		t.Errorf("no CRL block: %v", err)
	}
}

func TestCRLSignatureChecks(t *testing.T) {
	ca := newTestCA(t, "Test CA", "ecdsa", caUsage)
	noCRLSign := &testCA{cert: &x509.Certificate{}, key: ca.key}
	*noCRLSign.cert = *ca.cert
	noCRLSign.cert.KeyUsage = x509.KeyUsageCertSign
	tests := []struct {
		name   string
		spec   crlSpec
		issuer *x509.Certificate
		want   string
	}{
		{"inner and outer algorithms differ", crlSpec{this: "250101000000Z", innerAlg: algID("rsa-sha256")}, ca.cert, "disagree"},
		{"issuer may not sign CRLs", crlSpec{this: "250101000000Z"}, noCRLSign.cert, "does not allow signing CRLs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCRL(tt.spec.build(t, ca))
			if err != nil {
				t.Fatal(err)
			}
			err = c.CheckSignatureFrom(tt.issuer)
			if !errors.Is(err, ErrCRLSignature) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// A tampered signed part no longer verifies.
	der := crlSpec{this: "250101000000Z", revoked: bigs(7)}.build(t, ca)
	c, _ := ParseCRL(der)
	c.RawTBS = append([]byte{}, c.RawTBS...)
	c.RawTBS[len(c.RawTBS)-1] ^= 1
	if err := c.CheckSignatureFrom(ca.cert); !errors.Is(err, ErrCRLSignature) {
		t.Errorf("tampered CRL verified: %v", err)
	}
}

func TestSameName(t *testing.T) {
	mk := func(tag int, cn string) []byte {
		return mustMarshal(t, []asn1.RawValue{{Class: 0, Tag: 17, IsCompound: true, Bytes: mustMarshal(t, struct {
			OID asn1.ObjectIdentifier
			V   asn1.RawValue
		}{asn1.ObjectIdentifier{2, 5, 4, 3}, asn1.RawValue{Tag: tag, Bytes: []byte(cn)}})}})
	}
	tests := []struct {
		a, b []byte
		same bool
	}{
		{mk(19, "Test CA"), mk(19, "Test CA"), true},
		{mk(19, "Test CA"), mk(12, "test  ca "), true},
		{mk(19, "Test CA"), mk(12, "Test CB"), false},
		{mk(19, "Test CA"), []byte{0x30, 0x80}, false},
	}
	for i, tt := range tests {
		if got := SameName(tt.a, tt.b); got != tt.same {
			t.Errorf("%d: SameName = %v, want %v", i, got, tt.same)
		}
	}
}

func bigs(v ...int64) []*big.Int {
	out := make([]*big.Int, len(v))
	for i, x := range v {
		out[i] = big.NewInt(x)
	}
	return out
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	der, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
