package profile

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const (
	staticKeyHead = "-----BEGIN OpenVPN Static key V1-----"
	staticKeyFoot = "-----END OpenVPN Static key V1-----"
	v2ClientType  = "OpenVPN tls-crypt-v2 client key"
	v2ServerType  = "OpenVPN tls-crypt-v2 server key"
	// A tls-crypt-v2 WKc is tag(32) ‖ encrypted(Kc(256) ‖ metadata) ‖ length(2),
	// at most 1024 bytes (tls_crypt.h TLS_CRYPT_V2_MAX_WKC_LEN).
	v2MinWKc = 32 + StaticKeySize + 2
	v2MaxWKc = 1024
)

// parseStaticKey reads an OpenVPN static key: anything before the header
// line is ignored (openvpn --genkey writes comments there), then hex digits
// with any white space, then the footer. It must hold exactly 256 bytes.
func parseStaticKey(text string) ([]byte, string) {
	lines := strings.Split(text, "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == staticKeyHead {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, "no " + staticKeyHead + " line: this is not an OpenVPN static key"
	}
	var digits strings.Builder
	for i := start + 1; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == staticKeyFoot {
			raw := digits.String()
			if len(raw)%2 != 0 {
				return nil, "the key has an odd number of hex digits"
			}
			key, err := hex.DecodeString(raw)
			if err != nil {
				return nil, "the key is not valid hex"
			}
			if len(key) != StaticKeySize {
				return nil, fmt.Sprintf("the key holds %d bytes; an OpenVPN static key holds %d", len(key), StaticKeySize)
			}
			return key, ""
		}
		for j := 0; j < len(l); j++ {
			c := l[j]
			switch {
			case isHex(c):
				if digits.Len() >= 2*StaticKeySize+2 {
					return nil, fmt.Sprintf("the key holds more than %d bytes", StaticKeySize)
				}
				digits.WriteByte(c)
			case c == ' ' || c == '\t' || c == '\r':
			default:
				return nil, fmt.Sprintf("unexpected character %s in the key (line %d of the key text)", strconv.QuoteRuneToASCII(rune(c)), i+1)
			}
		}
	}
	return nil, "no " + staticKeyFoot + " line: the key is cut short"
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// parseV2ClientKey decodes a tls-crypt-v2 client key and checks that its
// WKc is the size its own length trailer says (tls_crypt.c reads the same).
func parseV2ClientKey(text string) ([]byte, string) {
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, "no -----BEGIN " + v2ClientType + "----- block"
		}
		switch b.Type {
		case v2ServerType:
			return nil, "this is the server's tls-crypt-v2 key; a client needs its own client key"
		case v2ClientType:
		default:
			continue
		}
		key := b.Bytes
		if len(key) < StaticKeySize+v2MinWKc || len(key) > StaticKeySize+v2MaxWKc {
			return nil, fmt.Sprintf("the client key holds %d bytes; a valid one holds %d to %d", len(key), StaticKeySize+v2MinWKc, StaticKeySize+v2MaxWKc)
		}
		wkc := key[StaticKeySize:]
		if n := int(binary.BigEndian.Uint16(wkc[len(wkc)-2:])); n != len(wkc) {
			return nil, fmt.Sprintf("the wrapped key says it is %d bytes long but is %d", n, len(wkc))
		}
		return key, ""
	}
}

// parseCerts checks PEM text holding one or more certificates and returns
// them. Other PEM blocks (a CRL next to a CA, say) are skipped with a note.
func parseCerts(data []byte) (certs []*x509.Certificate, skipped []string, problem string) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			skipped = append(skipped, b.Type)
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, nil, fmt.Sprintf("certificate %d does not parse: %v", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, nil, "no -----BEGIN CERTIFICATE----- block"
	}
	return certs, skipped, ""
}

// ParseCertificates returns every certificate in PEM text: the engine's
// way to read a chain the parser has already checked.
func ParseCertificates(pemText []byte) ([]*x509.Certificate, error) {
	certs, _, problem := parseCerts(pemText)
	if problem != "" {
		return nil, errors.New(problem)
	}
	return certs, nil
}

// parseKey checks that PEM text holds one usable private key and returns
// its public half. A passphrase-protected key is only checked for its
// shape: it has no public half until the engine decrypts it.
func parseKey(data []byte) (pub crypto.PublicKey, encrypted bool, problem string) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, false, "no -----BEGIN PRIVATE KEY----- block"
		}
		if encryptedPEM(b) {
			return nil, true, checkEncryptedKey(b)
		}
		var key any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, false, "the private key does not parse: " + err.Error()
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, false, "the private key cannot sign"
		}
		return signer.Public(), false, ""
	}
}

// samePublicKey reports whether a certificate carries the given public key.
func samePublicKey(cert *x509.Certificate, pub crypto.PublicKey) bool {
	k, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(cert.PublicKey)
}

// checkCRL checks PEM text holding certificate revocation lists, read as
// leniently as OpenSSL reads them (crl.go).
func checkCRL(data []byte) string {
	if _, err := ParseCRLs(data); err != nil {
		return err.Error()
	}
	return ""
}

// decodePKCS12 turns an inline (base64) or file (DER) bundle into DER and
// checks that it is a PKCS#12 bundle (checkPKCS12 opens it if it can).
func decodePKCS12(data []byte, inline bool) ([]byte, string) {
	der := data
	if inline {
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, string(data))
		var err error
		der, err = base64.StdEncoding.DecodeString(clean)
		if err != nil {
			return nil, "an inline <pkcs12> block must be base64 (openssl base64 -in client.p12)"
		}
	}
	var v asn1.RawValue
	if _, err := asn1.Unmarshal(der, &v); err != nil || v.Tag != asn1.TagSequence {
		return nil, "this is not a PKCS#12 (.p12) file"
	}
	return der, ""
}

// parseFingerprints reads SHA-256 fingerprints written as 32 colon-separated
// hex pairs, one a line; blank lines and #/; comments are skipped.
func parseFingerprints(text string) ([][32]byte, string) {
	var out [][32]byte
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		if len(out) >= maxListItems {
			return nil, "too many fingerprints"
		}
		parts := strings.Split(l, ":")
		if len(parts) != 32 {
			return nil, fmt.Sprintf("%q is not a SHA-256 fingerprint (32 hex pairs separated by colons)", printable(l))
		}
		var fp [32]byte
		for i, h := range parts {
			if len(h) != 2 || !isHex(h[0]) || !isHex(h[1]) {
				return nil, fmt.Sprintf("%q is not a SHA-256 fingerprint (32 hex pairs separated by colons)", printable(l))
			}
			b, _ := hex.DecodeString(h)
			fp[i] = b[0]
		}
		out = append(out, fp)
	}
	if len(out) == 0 {
		return nil, "no fingerprint given"
	}
	return out, ""
}

// expiryNote warns about a certificate outside its validity period; cvpn
// still accepts the profile because the clock, or the server, may disagree.
func expiryNote(what string, c *x509.Certificate, now time.Time) string {
	switch {
	case now.After(c.NotAfter):
		return fmt.Sprintf("the %s certificate expired on %s", what, c.NotAfter.UTC().Format("2006-01-02"))
	case now.Before(c.NotBefore):
		return fmt.Sprintf("the %s certificate is not valid before %s", what, c.NotBefore.UTC().Format("2006-01-02"))
	}
	return ""
}
