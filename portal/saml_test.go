package portal

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crewjam/saml"
)

// writePair writes a self-signed ECDSA certificate for host and its key.
func writePair(t *testing.T, dir, host string) (certFile, keyFile string, cert *x509.Certificate, key *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ = x509.ParseCertificate(der)
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile = filepath.Join(dir, host+".crt"), filepath.Join(dir, host+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert, key
}

// newSAMLServer is a portal behind SAML whose IdP (never contacted) is
// described by a metadata file.
func newSAMLServer(t *testing.T) *httptest.Server {
	t.Helper()
	dir := t.TempDir()
	_, _, idpCert, idpKey := writePair(t, dir, "idp")
	idp := saml.IdentityProvider{
		Key: idpKey, Certificate: idpCert,
		MetadataURL: url.URL{Scheme: "https", Host: "idp.example.test", Path: "/metadata"},
		SSOURL:      url.URL{Scheme: "https", Host: "idp.example.test", Path: "/sso"},
	}
	md, err := xml.Marshal(idp.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	mdFile := filepath.Join(dir, "idp.xml")
	if err := os.WriteFile(mdFile, md, 0o644); err != nil {
		t.Fatal(err)
	}
	spCert, spKey, _, _ := writePair(t, dir, "sp")
	if err := os.WriteFile(filepath.Join(dir, "p.ovpn"), []byte("client\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), Config{Dist: dir, Profile: filepath.Join(dir, "p.ovpn"), Logf: t.Logf,
		SAML: &SAMLConfig{IdPMetadata: mdFile, CertFile: spCert, KeyFile: spKey, PublicURL: "https://portal.example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

func TestSAMLGate(t *testing.T) {
	ts := newSAMLServer(t)
	tests := []struct {
		method, path string
		body         string
		want         int
		location     string // prefix of the redirect
	}{
		{"GET", "/", "", http.StatusFound, "https://idp.example.test/sso?"},
		{"GET", "/?lang=ja", "", http.StatusFound, "https://idp.example.test/sso?"},
		{"GET", "/profile", "", http.StatusFound, "https://idp.example.test/sso?"},
		{"HEAD", "/profile", "", http.StatusFound, "https://idp.example.test/sso?"},
		{"GET", "/download/x.deb", "", http.StatusFound, "https://idp.example.test/sso?"},
		{"GET", "/saml/metadata", "", http.StatusOK, ""},
		// The ACS takes the IdP's POST; a forged one fails, and a huge one
		// is refused before it is read.
		{"POST", "/saml/acs", "SAMLResponse=bm9wZQ==", http.StatusForbidden, ""},
		{"POST", "/saml/acs", "SAMLResponse=" + strings.Repeat("A", MaxACSBody), http.StatusRequestEntityTooLarge, ""},
		{"POST", "/", "x=1", http.StatusMethodNotAllowed, ""},
		{"PUT", "/saml/acs", "", http.StatusMethodNotAllowed, ""},
		{"POST", "/saml/metadata", "", http.StatusMethodNotAllowed, ""},
	}
	for _, tt := range tests {
		resp, body := do(t, tt.method, ts.URL+tt.path, strings.NewReader(tt.body),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if resp.StatusCode != tt.want || !strings.HasPrefix(resp.Header.Get("Location"), tt.location) {
			t.Errorf("%s %s = %d to %q, want %d to %q…", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.want, tt.location)
		}
		if strings.Contains(body, "client\n") {
			t.Errorf("%s %s leaked the profile without a session", tt.method, tt.path)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no security headers", tt.method, tt.path)
		}
	}
	_, md := do(t, "GET", ts.URL+"/saml/metadata", nil, nil)
	if !strings.Contains(md, `Location="https://portal.example.test/saml/acs"`) {
		t.Errorf("SP metadata lacks the ACS at --public-url: %.400s", md)
	}
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, cert, _ := writePair(t, dir, "localhost")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	s, err := New(ctx, Config{Dist: dir})
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- Serve(ctx, ln, s, certFile, keyFile) }()
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	resp, err := client.Get("https://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("HTTPS page = %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := Serve(context.Background(), ln, s, certFile, filepath.Join(dir, "missing.key")); err == nil || !strings.Contains(err.Error(), "--cert and --key") {
		t.Errorf("Serve with a missing key: %v, want an error naming the flags", err)
	}
}
