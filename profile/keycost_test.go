package profile

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// pbes2Key is the DER of an encrypted PKCS#8 key whose key derivation is
// kdf with params; its ciphertext is junk, as only the cost is looked at.
func pbes2Key(t *testing.T, kdf asn1.ObjectIdentifier, params any) []byte {
	t.Helper()
	marshal := func(v any) []byte {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	aes256CBC := asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	pbes2 := marshal(struct{ KDF, Cipher algorithmIdentifier }{
		algorithmIdentifier{Algorithm: kdf, Parameters: asn1.RawValue{FullBytes: marshal(params)}},
		algorithmIdentifier{Algorithm: aes256CBC, Parameters: asn1.RawValue{FullBytes: marshal(make([]byte, 16))}},
	})
	return marshal(struct {
		Algo algorithmIdentifier
		Data []byte
	}{algorithmIdentifier{Algorithm: oidPBES2, Parameters: asn1.RawValue{FullBytes: pbes2}}, make([]byte, 48)})
}

type scryptParams struct {
	Salt    []byte
	N, R, P int
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
}

// Keys and bundles that name an absurd key-derivation cost are refused
// before any derivation: at parse time, and again when decrypting.
func TestKeyDerivationCost(t *testing.T) {
	salt := make([]byte, 16)
	tests := []struct {
		name string
		der  []byte
		want string // "" for accepted
	}{
		{"scrypt as OpenSSL writes it", pbes2Key(t, oidScrypt, scryptParams{salt, 1 << 14, 8, 1}), ""},
		{"scrypt asking for a terabyte", pbes2Key(t, oidScrypt, scryptParams{salt, 1 << 30, 8, 1}), "scrypt parameters (N=1073741824, r=8, p=1) ask for more than cvpn allows"},
		{"scrypt with a huge p", pbes2Key(t, oidScrypt, scryptParams{salt, 1 << 10, 8, 1 << 20}), "ask for more than cvpn allows"},
		{"scrypt with a zero r", pbes2Key(t, oidScrypt, scryptParams{salt, 1 << 10, 0, 1}), "ask for more than cvpn allows"},
		{"PBKDF2 600000 rounds", pbes2Key(t, oidPBKDF2, pbkdf2Params{salt, 600000}), ""},
		{"PBKDF2 two billion rounds", pbes2Key(t, oidPBKDF2, pbkdf2Params{salt, 2_000_000_000}), "asks for 2000000000 PBKDF2 rounds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := pkcs8Cost(tt.der)
			if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("pkcs8Cost: %v, want %q", err, tt.want)
			}
			if tt.want == "" {
				return
			}
			keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: tt.der}))
			if _, err := DecryptKey([]byte(keyPEM), "x"); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecryptKey: %v", err)
			}
			_, err = parseText(profileWith(t, block("cert", readTestdata(t, "client.crt")), block("key", keyPEM)))
			if list := errorsOf(t, err); !strings.Contains(list.Error(), tt.want) {
				t.Errorf("parse: %v", list)
			}
		})
	}

	key, cert, ca := testKeyPair(t)
	der, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca}, "")
	if err != nil {
		t.Fatal(err)
	}
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
		MacData  struct {
			Mac        asn1.RawValue
			Salt       []byte
			Iterations int
		}
	}
	if _, err := asn1.Unmarshal(der, &pfx); err != nil {
		t.Fatal(err)
	}
	pfx.MacData.Iterations = 1 << 30
	slow, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}
	const want = "the pkcs12 bundle asks for 1073741824 MAC rounds"
	if _, err := OpenPKCS12(slow, ""); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("OpenPKCS12: %v", err)
	}
	if list := errorsOf(t, func() error { _, err := parseText(pkcs12Profile(slow, true, t)); return err }()); !strings.Contains(list.Error(), want) {
		t.Errorf("parse: %v", list)
	}
}

// A bundle whose contents are encrypted with an absurd number of rounds is
// refused, wherever the AlgorithmIdentifier sits in the nesting.
func TestPKCS12ContentCost(t *testing.T) {
	marshal := func(v any) []byte {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	explicit0 := func(inner []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner}
	}
	bundle := func(iterations int) []byte {
		pbe := algorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3},
			Parameters: asn1.RawValue{FullBytes: marshal(struct {
				Salt       []byte
				Iterations int
			}{make([]byte, 8), iterations})}}
		encrypted := marshal(struct {
			Version int
			Info    struct {
				Type asn1.ObjectIdentifier
				Algo algorithmIdentifier
			}
		}{0, struct {
			Type asn1.ObjectIdentifier
			Algo algorithmIdentifier
		}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}, pbe}})
		safe := marshal([]struct {
			Type    asn1.ObjectIdentifier
			Content asn1.RawValue
		}{{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}, explicit0(encrypted)}})
		authSafe := struct {
			Type    asn1.ObjectIdentifier
			Content asn1.RawValue
		}{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}, explicit0(marshal(marshal(safe)))} // data: an OCTET STRING of DER
		return marshal(struct {
			Version  int
			AuthSafe any
		}{3, authSafe})
	}
	if err := pkcs12Cost(bundle(2048)); err != nil {
		t.Errorf("2048 rounds: %v", err)
	}
	if err := pkcs12Cost(bundle(1 << 30)); err == nil || !strings.Contains(err.Error(), "asks for 1073741824 rounds to decrypt its contents") {
		t.Errorf("2^30 rounds: %v", err)
	}
}
