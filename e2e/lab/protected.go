//go:build linux

package lab

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"
)

// protect replaces a profile's plain client key by what po asks for: the
// key encrypted with po.KeyPassphrase, or a PKCS#12 bundle of the
// certificate, key and CA (protected by po.KeyPassphrase, which may be "").
func protect(m *profileMaterial, c, ca *Cert, po ProfileOptions) error {
	switch {
	case po.PKCS12:
		der, err := pkcs12.Modern.Encode(c.Key, c.Cert, []*x509.Certificate{ca.Cert}, po.KeyPassphrase)
		if err != nil {
			return fmt.Errorf("client profile: pkcs12: %w", err)
		}
		m.PKCS12, m.CA, m.Cert, m.Key = der, nil, nil, nil
	case po.KeyPassphrase != "":
		der, err := pkcs8.MarshalPrivateKey(c.Key, []byte(po.KeyPassphrase), nil)
		if err != nil {
			return fmt.Errorf("client profile: encrypt the key: %w", err)
		}
		m.Key = pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})
	}
	return nil
}
