//go:build linux

package lab

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"
)

// KeyType selects the key algorithm of every key in a lab's PKI. RSA4096 exists
// to make certificates big enough that the TLS handshake no longer fits in one
// control packet, which forces the engine's fragmentation path.
type KeyType int

// Key types a lab can issue.
const (
	ECDSAP256 KeyType = iota
	RSA2048
	RSA4096
)

// String returns the name ParseKeyType accepts.
func (k KeyType) String() string {
	switch k {
	case ECDSAP256:
		return "ecdsa"
	case RSA2048:
		return "rsa2048"
	case RSA4096:
		return "rsa4096"
	}
	return fmt.Sprintf("keytype(%d)", int(k))
}

// ParseKeyType parses "ecdsa" (or "ecdsa-p256"), "rsa2048" or "rsa4096".
func ParseKeyType(s string) (KeyType, error) {
	switch strings.ToLower(s) {
	case "ecdsa", "ecdsa-p256", "p256":
		return ECDSAP256, nil
	case "rsa2048", "rsa-2048":
		return RSA2048, nil
	case "rsa4096", "rsa-4096":
		return RSA4096, nil
	}
	return 0, fmt.Errorf("parse key type %q: want ecdsa, rsa2048 or rsa4096", s)
}

// Cert is one issued certificate with its private key, also in the PEM forms
// that openvpn reads (the key as PKCS#8).
type Cert struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
	KeyPEM  []byte
}

// PKI is a throw-away certificate authority with the identities the e2e tests
// need. Besides the ordinary server and client there are identities that must
// be refused, so negative tests do not have to build their own.
type PKI struct {
	KeyType KeyType
	CA      *Cert
	Server  *Cert // EKU serverAuth, CN "server"
	Client  *Cert // EKU clientAuth, CN "client"
	Client2 *Cert // a second valid client, CN "client2"
	Revoked *Cert // valid dates, but listed in CRLPEM, CN "revoked"
	Expired *Cert // expired yesterday, CN "expired"
	CRLPEM  []byte
}

// keyCache keeps generated keys for the life of the process: RSA-4096
// generation can take seconds, and tests in one package build many labs.
// Sharing keys between labs would let one lab's CA vouch for another's
// certificates if the CA names matched, so every CA gets a unique name (see
// NewPKI); chain building matches on the issuer name first.
var keyCache struct {
	mu   sync.Mutex
	keys map[keySlot]*cachedKey
}

type keySlot struct {
	kt   KeyType
	role string
}

type cachedKey struct {
	once sync.Once
	key  crypto.Signer
	err  error
}

// cachedSigner returns the process-wide key for (kt, role), generating it on
// first use. Concurrent callers for the same slot wait for one generation.
func cachedSigner(kt KeyType, role string) (crypto.Signer, error) {
	keyCache.mu.Lock()
	if keyCache.keys == nil {
		keyCache.keys = make(map[keySlot]*cachedKey)
	}
	slot := keySlot{kt, role}
	c := keyCache.keys[slot]
	if c == nil {
		c = &cachedKey{}
		keyCache.keys[slot] = c
	}
	keyCache.mu.Unlock()
	c.once.Do(func() { c.key, c.err = generateKey(kt) })
	return c.key, c.err
}

func generateKey(kt KeyType) (crypto.Signer, error) {
	switch kt {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case RSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	}
	return nil, fmt.Errorf("generate key: unknown key type %d", int(kt))
}

// keyRoles are the distinct keys a PKI needs. The negative-test clients reuse
// the client key: what makes them fail is their certificate, and three fewer
// RSA-4096 keys save many seconds.
var keyRoles = []string{"ca", "server", "client"}

// NewPKI issues a fresh CA and its certificates, all with keys of type kt.
func NewPKI(kt KeyType) (*PKI, error) {
	keys, err := pkiKeys(kt)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	p := &PKI{KeyType: kt}
	p.CA, err = issue(certRequest{cn: "cvpn-lab CA " + randomHex(4), ca: true, key: keys["ca"],
		notBefore: now.Add(-time.Hour), notAfter: now.Add(10 * 365 * 24 * time.Hour)}, nil)
	if err != nil {
		return nil, fmt.Errorf("issue ca: %w", err)
	}
	leafs := []struct {
		dst *(*Cert)
		req certRequest
	}{
		{&p.Server, certRequest{cn: "server", eku: x509.ExtKeyUsageServerAuth, key: keys["server"], dns: []string{"server"}}},
		{&p.Client, certRequest{cn: "client", eku: x509.ExtKeyUsageClientAuth, key: keys["client"]}},
		{&p.Client2, certRequest{cn: "client2", eku: x509.ExtKeyUsageClientAuth, key: keys["client"]}},
		{&p.Revoked, certRequest{cn: "revoked", eku: x509.ExtKeyUsageClientAuth, key: keys["client"]}},
		{&p.Expired, certRequest{cn: "expired", eku: x509.ExtKeyUsageClientAuth, key: keys["client"],
			notBefore: now.Add(-48 * time.Hour), notAfter: now.Add(-24 * time.Hour)}},
	}
	for _, l := range leafs {
		if l.req.notBefore.IsZero() {
			l.req.notBefore, l.req.notAfter = now.Add(-time.Hour), now.Add(365*24*time.Hour)
		}
		c, err := issue(l.req, p.CA)
		if err != nil {
			return nil, fmt.Errorf("issue %s: %w", l.req.cn, err)
		}
		*l.dst = c
	}
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:     big.NewInt(1),
		ThisUpdate: now.Add(-time.Hour),
		NextUpdate: now.Add(365 * 24 * time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{
			{SerialNumber: p.Revoked.Cert.SerialNumber, RevocationTime: now.Add(-time.Minute)},
		},
	}, p.CA.Cert, p.CA.Key)
	if err != nil {
		return nil, fmt.Errorf("create crl: %w", err)
	}
	p.CRLPEM = pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl})
	return p, nil
}

// pkiKeys fetches the keys for every role, generating missing ones in
// parallel so an RSA-4096 PKI costs one key's time per core, not three.
func pkiKeys(kt KeyType) (map[string]crypto.Signer, error) {
	type result struct {
		role string
		key  crypto.Signer
		err  error
	}
	ch := make(chan result, len(keyRoles))
	for _, role := range keyRoles {
		go func() {
			k, err := cachedSigner(kt, role)
			ch <- result{role, k, err}
		}()
	}
	keys := make(map[string]crypto.Signer, len(keyRoles))
	var firstErr error
	for range keyRoles {
		r := <-ch
		if r.err != nil && firstErr == nil {
			firstErr = fmt.Errorf("generate %s %s key: %w", kt, r.role, r.err)
		}
		keys[r.role] = r.key
	}
	return keys, firstErr
}

type certRequest struct {
	cn                  string
	ca                  bool
	eku                 x509.ExtKeyUsage
	dns                 []string
	key                 crypto.Signer
	notBefore, notAfter time.Time
}

// issue signs req with parent, or self-signs when parent is nil.
func issue(req certRequest, parent *Cert) (*Cert, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: req.cn, Organization: []string{"cvpn e2e lab"}},
		NotBefore:             req.notBefore,
		NotAfter:              req.notAfter,
		BasicConstraintsValid: true,
		DNSNames:              req.dns,
	}
	if req.ca {
		tmpl.IsCA = true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		// openvpn's remote-cert-tls insists on a key usage extension; these
		// are the bits RFC 5280 expects for TLS with each key type.
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		if _, isRSA := req.key.(*rsa.PrivateKey); isRSA {
			tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
		} else {
			tmpl.KeyUsage |= x509.KeyUsageKeyAgreement
		}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{req.eku}
	}
	signerCert, signerKey := tmpl, req.key
	if parent != nil {
		signerCert, signerKey = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, req.key.Public(), signerKey)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(req.key)
	if err != nil {
		return nil, fmt.Errorf("marshal key: %w", err)
	}
	return &Cert{
		Cert:    cert,
		Key:     req.key,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}
