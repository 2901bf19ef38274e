package openvpn

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/cvpn/cvpn/profile"
)

// Client keys protected by a passphrase.
//
// Dial cannot ask for the passphrase (it returns at once), so a session
// whose key is protected starts without a TLS configuration and builds it
// on its own goroutine before the first connection: it asks the Prompter
// (PromptPassphrase), opens the key, and keeps the decrypted certificate in
// memory for every reconnection and renegotiation of the session. Nothing
// on the data path waits for it: there is no data path until then.

// ErrBadPassphrase: the passphrase of the private key or PKCS#12 bundle was
// wrong maxPassphraseTries times in a row.
var ErrBadPassphrase = errors.New("wrong passphrase for the private key")

// ErrNoPassphrase: the private key is protected and the Options have no
// Prompter to ask for its passphrase.
var ErrNoPassphrase = errors.New("the private key is protected by a passphrase and there is no one to ask")

const maxPassphraseTries = 3

// clientKey is the profile's client certificate with its key opened.
type clientKey struct {
	cert tls.Certificate
	// cas are a PKCS#12 bundle's other certificates; OpenVPN trusts them
	// as CAs when the profile has no <ca>.
	cas []*x509.Certificate
}

// keyProtected reports whether the profile's client key needs a
// passphrase before it can be used.
func keyProtected(t *profile.TLS) bool {
	if len(t.PKCS12) > 0 {
		if t.PKCS12Encrypted {
			return true
		}
		_, err := profile.OpenPKCS12(t.PKCS12, "")
		return errors.Is(err, profile.ErrIncorrectPassphrase)
	}
	return len(t.Key) > 0 && profile.KeyEncrypted(t.Key)
}

// openClientKey opens the profile's client certificate and key with
// passphrase ("" for an unprotected one). It returns nil when the profile
// has no client certificate, and an error wrapping
// profile.ErrIncorrectPassphrase when the passphrase does not open it. The
// error never holds the passphrase.
func openClientKey(t *profile.TLS, passphrase string) (*clientKey, error) {
	if len(t.PKCS12) > 0 {
		ck, err := profile.OpenPKCS12(t.PKCS12, passphrase)
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		k := &clientKey{cas: ck.Chain}
		k.cert.PrivateKey, k.cert.Leaf = ck.Key, ck.Cert
		k.cert.Certificate = [][]byte{ck.Cert.Raw}
		for _, c := range ck.Chain {
			k.cert.Certificate = append(k.cert.Certificate, c.Raw)
		}
		return k, nil
	}
	if len(t.Cert) == 0 && len(t.Key) == 0 {
		return nil, nil
	}
	chain := append(append([]byte{}, t.Cert...), '\n')
	chain = append(chain, t.ExtraCerts...)
	if !profile.KeyEncrypted(t.Key) {
		pair, err := tls.X509KeyPair(chain, t.Key)
		if err != nil {
			return nil, fmt.Errorf("tls: client certificate and key do not load: %w", err)
		}
		return &clientKey{cert: pair}, nil
	}
	signer, err := profile.DecryptKey(t.Key, passphrase)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	certs, err := parseCertChain(chain)
	if err != nil {
		return nil, err
	}
	if pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(certs[0].PublicKey) {
		return nil, errors.New("tls: the private key does not belong to the client certificate")
	}
	k := &clientKey{}
	k.cert.PrivateKey, k.cert.Leaf = signer, certs[0]
	for _, c := range certs {
		k.cert.Certificate = append(k.cert.Certificate, c.Raw)
	}
	return k, nil
}

func parseCertChain(pemText []byte) ([]*x509.Certificate, error) {
	certs, err := profile.ParseCertificates(pemText)
	if err != nil {
		return nil, fmt.Errorf("tls: client certificate: %w", err)
	}
	return certs, nil
}

// unlockKey asks for the passphrase of the profile's protected client key
// until it opens the key (at most maxPassphraseTries times), then builds
// the session's TLS configuration with it. Only the session goroutine
// calls it, before the first connection.
func (s *Session) unlockKey(ctx context.Context) error {
	if s.opts.Prompter == nil {
		return fatal(ErrNoPassphrase)
	}
	retry := ""
	for try := 1; ; try++ {
		ans, err := s.opts.Prompter.Prompt(ctx, &Prompt{Kind: PromptPassphrase, Profile: s.prof.Name, AskPassword: true, Retry: retry})
		if err != nil {
			return fatal(fmt.Errorf("ask for the passphrase of the private key: %w", err))
		}
		key, err := openClientKey(&s.prof.TLS, ans.Password)
		switch {
		case errors.Is(err, profile.ErrIncorrectPassphrase) && try < maxPassphraseTries:
			s.logf.printf("the passphrase of the private key is wrong (try %d of %d)", try, maxPassphraseTries)
			retry = "wrong passphrase"
			continue
		case errors.Is(err, profile.ErrIncorrectPassphrase):
			return fatal(fmt.Errorf("%w (%d tries)", ErrBadPassphrase, try))
		case err != nil:
			return fatal(fmt.Errorf("open the private key: %w", err))
		}
		cfg, err := tlsConfigKey(&s.prof.TLS, key)
		if err != nil {
			return fatal(err)
		}
		s.tlsCfg = cfg
		s.logf.printf("opened the passphrase-protected private key")
		return nil
	}
}

// tlsConfig builds the TLS configuration with the profile's client key
// when it needs no passphrase; a protected key is left out, and the
// session adds it in unlockKey.
func tlsConfig(t *profile.TLS) (*tls.Config, error) {
	var key *clientKey
	if !keyProtected(t) {
		k, err := openClientKey(t, "")
		if err != nil {
			return nil, err
		}
		key = k
	}
	return tlsConfigKey(t, key)
}
