package openvpn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"
)

// testPKI is a throw-away CA with a server and a client certificate.
type testPKI struct {
	caPEM               []byte
	server              tls.Certificate
	clientPEM, clientKy []byte
}

var (
	pkiOnce sync.Once
	pki     *testPKI
)

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		caTmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test ca"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
		if err != nil {
			panic(err)
		}
		ca, _ := x509.ParseCertificate(caDER)
		issue := func(cn string, eku x509.ExtKeyUsage, serial int64) ([]byte, []byte) {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
				NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
				KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{eku},
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
			if err != nil {
				panic(err)
			}
			kder, _ := x509.MarshalPKCS8PrivateKey(k)
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
				pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
		}
		p := &testPKI{caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})}
		scert, skey := issue("server", x509.ExtKeyUsageServerAuth, 2)
		p.server, err = tls.X509KeyPair(scert, skey)
		if err != nil {
			panic(err)
		}
		p.clientPEM, p.clientKy = issue("client", x509.ExtKeyUsageClientAuth, 3)
		pki = p
	})
	return pki
}

func (p *testPKI) serverTLS() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.caPEM)
	return &tls.Config{
		Certificates: []tls.Certificate{p.server}, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, DynamicRecordSizingDisabled: true,
	}
}
