//go:build linux

package lab

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

func TestPKI(t *testing.T) {
	t.Parallel()
	for _, kt := range []KeyType{ECDSAP256, RSA2048, RSA4096} {
		t.Run(kt.String(), func(t *testing.T) {
			t.Parallel()
			p, err := NewPKI(kt)
			if err != nil {
				t.Fatal(err)
			}
			roots := x509.NewCertPool()
			roots.AddCert(p.CA.Cert)
			if !p.CA.Cert.IsCA || p.CA.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
				t.Errorf("ca: IsCA=%v KeyUsage=%b, want a CA that can sign", p.CA.Cert.IsCA, p.CA.Cert.KeyUsage)
			}

			verify := []struct {
				name   string
				cert   *Cert
				usage  x509.ExtKeyUsage
				wantOK bool
			}{
				{"server as server", p.Server, x509.ExtKeyUsageServerAuth, true},
				{"server as client", p.Server, x509.ExtKeyUsageClientAuth, false},
				{"client as client", p.Client, x509.ExtKeyUsageClientAuth, true},
				{"client as server", p.Client, x509.ExtKeyUsageServerAuth, false},
				{"client2 as client", p.Client2, x509.ExtKeyUsageClientAuth, true},
				// Revocation is the CRL's business, not the chain's.
				{"revoked as client", p.Revoked, x509.ExtKeyUsageClientAuth, true},
				{"expired as client", p.Expired, x509.ExtKeyUsageClientAuth, false},
			}
			for _, v := range verify {
				_, err := v.cert.Cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{v.usage}})
				if (err == nil) != v.wantOK {
					t.Errorf("%s: verify error %v, want ok=%v", v.name, err, v.wantOK)
				}
			}

			for _, c := range []*Cert{p.CA, p.Server, p.Client, p.Client2, p.Revoked, p.Expired} {
				name := c.Cert.Subject.CommonName
				checkKey(t, name, c, kt)
				if !c.Cert.IsCA && c.Cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
					t.Errorf("%s: no digitalSignature key usage (openvpn's remote-cert-tls wants it)", name)
				}
			}

			block, _ := pem.Decode(p.CRLPEM)
			if block == nil || block.Type != "X509 CRL" {
				t.Fatalf("crl: not an X509 CRL PEM block")
			}
			crl, err := x509.ParseRevocationList(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if err := crl.CheckSignatureFrom(p.CA.Cert); err != nil {
				t.Errorf("crl signature: %v", err)
			}
			revoked := map[string]bool{}
			for _, e := range crl.RevokedCertificateEntries {
				revoked[e.SerialNumber.String()] = true
			}
			if !revoked[p.Revoked.Cert.SerialNumber.String()] || revoked[p.Client.Cert.SerialNumber.String()] || len(revoked) != 1 {
				t.Errorf("crl revokes %v, want only the revoked cert", revoked)
			}
		})
	}
}

// checkKey verifies the PEM key parses, has the wanted type and belongs to
// the certificate.
func checkKey(t *testing.T, name string, c *Cert, kt KeyType) {
	t.Helper()
	block, _ := pem.Decode(c.KeyPEM)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("%s: key is not a PKCS#8 PEM block", name)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		if kt != ECDSAP256 || k.Curve.Params().Name != "P-256" {
			t.Errorf("%s: got ECDSA %s, want %s", name, k.Curve.Params().Name, kt)
		}
		if !k.PublicKey.Equal(c.Cert.PublicKey) {
			t.Errorf("%s: key does not match certificate", name)
		}
	case *rsa.PrivateKey:
		want := map[KeyType]int{RSA2048: 2048, RSA4096: 4096}[kt]
		if k.N.BitLen() != want {
			t.Errorf("%s: got RSA-%d, want %s", name, k.N.BitLen(), kt)
		}
		if !k.PublicKey.Equal(c.Cert.PublicKey) {
			t.Errorf("%s: key does not match certificate", name)
		}
	default:
		t.Errorf("%s: unexpected key type %T", name, key)
	}
}

// TestPKIKeyCache pins the cache that keeps RSA-4096 labs fast: keys are
// reused across PKIs, certificates and CAs are not.
func TestPKIKeyCache(t *testing.T) {
	t.Parallel()
	a, err := NewPKI(RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewPKI(RSA2048)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Server.Key.Public().(*rsa.PublicKey).Equal(b.Server.Key.Public()) {
		t.Errorf("server keys differ between PKIs; want the cached key reused")
	}
	if a.CA.Cert.SerialNumber.Cmp(b.CA.Cert.SerialNumber) == 0 {
		t.Errorf("two PKIs share a CA serial; want independent CAs")
	}
	roots := x509.NewCertPool()
	roots.AddCert(a.CA.Cert)
	if _, err := b.Server.Cert.Verify(x509.VerifyOptions{Roots: roots}); err == nil {
		t.Errorf("PKI b's server verifies against PKI a's CA; labs must not trust each other")
	}
}

func TestParseKeyType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    KeyType
		wantErr bool
	}{
		{"ecdsa", ECDSAP256, false},
		{"RSA2048", RSA2048, false},
		{"rsa-4096", RSA4096, false},
		{"dsa", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseKeyType(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseKeyType(%q) = %v, %v; want %v, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			if back, _ := ParseKeyType(got.String()); back != got {
				t.Errorf("%v does not round-trip through String", got)
			}
		}
	}
}
