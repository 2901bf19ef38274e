package profile

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"
)

// Passphrase-protected client keys. The profile keeps a protected key as
// written (PEM text, or the PKCS#12 DER) and only checks its shape; the
// engine asks for the passphrase when connecting and opens it with the
// functions below, so a passphrase never passes through the parser, the
// store or a log. Errors never quote a passphrase or key material.

var oidPBES2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}

// ErrIncorrectPassphrase means the passphrase does not open the key or
// bundle. Callers ask again.
var ErrIncorrectPassphrase = errors.New("incorrect passphrase")

// ClientKey is a client certificate with its private key, opened.
type ClientKey struct {
	Key  crypto.Signer
	Cert *x509.Certificate
	// Chain are the bundle's other certificates (intermediates and CAs),
	// in the bundle's order; OpenVPN trusts them as CAs when the profile
	// has no <ca>.
	Chain []*x509.Certificate
}

// encryptedPEM reports whether a PEM block is a passphrase-protected key:
// encrypted PKCS#8, or OpenSSL's legacy Proc-Type: 4,ENCRYPTED with DEK-Info.
func encryptedPEM(b *pem.Block) bool {
	return b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED")
}

// KeyEncrypted reports whether PEM text holds a passphrase-protected
// private key.
func KeyEncrypted(pemText []byte) bool {
	for rest := pemText; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return false
		}
		if encryptedPEM(b) {
			return true
		}
	}
}

// checkEncryptedKey checks the outer shape of a protected key without the
// passphrase: a legacy block names a cipher Go can decrypt, an encrypted
// PKCS#8 block is PBES2 ASN.1.
func checkEncryptedKey(b *pem.Block) string {
	if b.Type == "ENCRYPTED PRIVATE KEY" {
		var info struct {
			Algo pkix.AlgorithmIdentifier
			Data []byte
		}
		if rest, err := asn1.Unmarshal(b.Bytes, &info); err != nil || len(rest) > 0 {
			return "the encrypted private key does not parse"
		}
		if !info.Algo.Algorithm.Equal(oidPBES2) {
			return "the private key is encrypted with an old PKCS#5 v1 scheme cvpn cannot decrypt; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes256 -in key.pem -out key-aes.pem`"
		}
		if err := pkcs8Cost(b.Bytes); err != nil {
			return err.Error()
		}
		return ""
	}
	dek := b.Headers["DEK-Info"]
	if dek == "" {
		return "the encrypted private key has no DEK-Info header"
	}
	cipherName, _, _ := strings.Cut(dek, ",")
	switch strings.ToUpper(cipherName) {
	case "DES-CBC", "DES-EDE3-CBC", "AES-128-CBC", "AES-192-CBC", "AES-256-CBC":
		return ""
	}
	return fmt.Sprintf("the private key is encrypted with %s, which cvpn cannot decrypt; re-encrypt it with `openssl pkey -in key.pem -aes256 -out key-aes.pem`", printable(cipherName))
}

// DecryptKey opens the passphrase-protected private key in PEM text. A
// passphrase that does not open it gives an error wrapping
// ErrIncorrectPassphrase. An unencrypted key is returned as it is.
func DecryptKey(pemText []byte, passphrase string) (signer crypto.Signer, err error) {
	defer func() {
		// The PKCS#8 decoder panics on some malformed input (a wrong IV
		// length); a downloaded file must not take the service down.
		if r := recover(); r != nil {
			signer, err = nil, errors.New("the encrypted private key is malformed")
		}
	}()
	for rest := pemText; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return nil, errors.New("no private key block")
		}
		var key any
		switch {
		case b.Type == "ENCRYPTED PRIVATE KEY":
			if passphrase == "" {
				// The library reads an empty password as "not encrypted".
				return nil, fmt.Errorf("decrypt the private key: %w", ErrIncorrectPassphrase)
			}
			if err := pkcs8Cost(b.Bytes); err != nil {
				return nil, fmt.Errorf("decrypt the private key: %w", err)
			}
			key, _, err = pkcs8.ParsePrivateKey(b.Bytes, []byte(passphrase))
			if err != nil && !pkcs8Unsupported(err) {
				// A key that does not parse after decryption ("incorrect
				// password"), or AES-GCM's failed tag: the passphrase.
				return nil, fmt.Errorf("decrypt the private key: %w", ErrIncorrectPassphrase)
			}
		case encryptedPEM(b):
			key, err = decryptLegacy(b, passphrase)
			if err != nil {
				return nil, err
			}
		case b.Type == "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case b.Type == "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case b.Type == "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("the private key does not parse: %v", err)
		}
		s, ok := key.(crypto.Signer)
		if !ok {
			return nil, errors.New("the private key cannot sign")
		}
		return s, nil
	}
}

// decryptLegacy opens OpenSSL's traditional encrypted PEM. Its padding
// check is the only sign of a wrong passphrase, and it passes by chance
// about once in 256 tries; a key that then fails to parse is also taken
// as a wrong passphrase.
func decryptLegacy(b *pem.Block, passphrase string) (any, error) {
	//lint:ignore SA1019 the legacy format is weak, but it is what OpenSSL and easy-rsa wrote for years; this is the standard library's reader for it.
	der, err := x509.DecryptPEMBlock(b, []byte(passphrase))
	if err != nil {
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, fmt.Errorf("decrypt the private key: %w", ErrIncorrectPassphrase)
		}
		return nil, fmt.Errorf("decrypt the private key: %v", err)
	}
	var key any
	switch b.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(der)
	default:
		key, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil {
		return nil, fmt.Errorf("decrypt the private key: %w", ErrIncorrectPassphrase)
	}
	return key, nil
}

// OpenPKCS12 opens a PKCS#12 bundle (DER) with password: "" opens bundles
// without a password and those with an empty one. It checks that the
// bundle holds a private key and the certificate that belongs to it. A
// password that does not open it gives an error wrapping
// ErrIncorrectPassphrase.
func OpenPKCS12(der []byte, password string) (ck *ClientKey, err error) {
	defer func() {
		// The decoder is third-party code fed a downloaded file: a panic
		// in it must not take the service down.
		if r := recover(); r != nil {
			ck, err = nil, errors.New("the pkcs12 bundle is malformed")
		}
	}()
	if err := pkcs12Cost(der); err != nil {
		return nil, err
	}
	key, leaf, cas, err := pkcs12.DecodeChain(der, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, fmt.Errorf("open the pkcs12 bundle: %w", ErrIncorrectPassphrase)
		}
		return nil, fmt.Errorf("open the pkcs12 bundle: %v", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("the pkcs12 bundle's private key cannot sign")
	}
	// DecodeChain takes the first certificate as the leaf; OpenSSL does not
	// always write it first, so find the one that carries the key.
	all := append([]*x509.Certificate{leaf}, cas...)
	for i, c := range all {
		if samePublicKey(c, signer.Public()) {
			chain := append(append([]*x509.Certificate{}, all[:i]...), all[i+1:]...)
			return &ClientKey{Key: signer, Cert: c, Chain: chain}, nil
		}
	}
	return nil, errors.New("the pkcs12 bundle's private key belongs to none of its certificates")
}

// pkcs8Unsupported tells the PKCS#8 library's errors about the file's
// format (it has no typed errors) from those of a wrong passphrase.
func pkcs8Unsupported(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "unsupported") || strings.Contains(msg, "only") || strings.Contains(msg, "invalid")
}
