package profile

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"github.com/cvpn/cvpn/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"
)

const testPassphrase = "s3cret-passphrase-never-shown"

// testKeyPair returns testdata's client key, certificate and CA.
func testKeyPair(t *testing.T) (*rsa.PrivateKey, *x509.Certificate, *x509.Certificate) {
	t.Helper()
	b, _ := pem.Decode([]byte(readTestdata(t, "client.key")))
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	certs, _, problem := parseCerts([]byte(readTestdata(t, "client.crt")))
	cas, _, problem2 := parseCerts([]byte(readTestdata(t, "ca.crt")))
	if problem != "" || problem2 != "" {
		t.Fatal(problem, problem2)
	}
	return k.(*rsa.PrivateKey), certs[0], cas[0]
}

// encryptedKeys are testdata's client key protected by testPassphrase in
// every format cvpn reads; the openssl one only when openssl is installed.
func encryptedKeys(t *testing.T) map[string]string {
	t.Helper()
	key, _, _ := testKeyPair(t)
	out := map[string]string{}
	//lint:ignore SA1019 the test needs the legacy format cvpn must read.
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), []byte(testPassphrase), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	out["legacy PEM AES-256"] = string(pem.EncodeToMemory(legacy))
	//lint:ignore SA1019 as above.
	legacy3, err := x509.EncryptPEMBlock(rand.Reader, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key), []byte(testPassphrase), x509.PEMCipher3DES)
	if err != nil {
		t.Fatal(err)
	}
	out["legacy PEM 3DES"] = string(pem.EncodeToMemory(legacy3))
	for name, opts := range map[string]*pkcs8.Opts{
		"PKCS#8 PBKDF2-SHA256 AES-256-CBC": {Cipher: pkcs8.AES256CBC, KDFOpts: pkcs8.PBKDF2Opts{SaltSize: 16, IterationCount: 2048, HMACHash: crypto.SHA256}},
		"PKCS#8 PBKDF2-SHA1 DES-EDE3-CBC":  {Cipher: pkcs8.TripleDESCBC, KDFOpts: pkcs8.PBKDF2Opts{SaltSize: 8, IterationCount: 2048, HMACHash: crypto.SHA1}},
		"PKCS#8 scrypt AES-128-CBC":        {Cipher: pkcs8.AES128CBC, KDFOpts: pkcs8.ScryptOpts{SaltSize: 16, CostParameter: 1 << 10, BlockSize: 8, ParallelizationParameter: 1}},
	} {
		der, err := pkcs8.MarshalPrivateKey(key, []byte(testPassphrase), opts)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}))
	}
	if _, err := exec.LookPath("openssl"); err == nil {
		dst := filepath.Join(t.TempDir(), "key.pem")
		cmd := exec.Command("openssl", "pkcs8", "-topk8", "-v2", "aes-192-cbc", "-in", filepath.Join("testdata", "client.key"), "-out", dst, "-passout", "pass:"+testPassphrase)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl pkcs8: %v\n%s", err, msg)
		}
		out["openssl pkcs8 -v2 aes-192-cbc"] = readFile(t, dst)
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A protected key is accepted, marked, summarized as asked when
// connecting, and opens with its passphrase alone.
func TestEncryptedKeys(t *testing.T) {
	key, _, _ := testKeyPair(t)
	cert := readTestdata(t, "client.crt")
	for name, keyPEM := range encryptedKeys(t) {
		t.Run(name, func(t *testing.T) {
			p := mustParse(t, profileWith(t, block("cert", cert), block("key", keyPEM)))
			if !p.TLS.KeyEncrypted || p.TLS.PKCS12Encrypted {
				t.Errorf("KeyEncrypted %v, PKCS12Encrypted %v", p.TLS.KeyEncrypted, p.TLS.PKCS12Encrypted)
			}
			if s := p.Summary(); !s.KeyProtected {
				t.Error("the summary does not say the passphrase is asked")
			}
			signer, err := DecryptKey(p.TLS.Key, testPassphrase)
			if err != nil {
				t.Fatal(err)
			}
			if !key.PublicKey.Equal(signer.Public()) {
				t.Error("decrypted a different key")
			}
			for _, wrong := range []string{"", "wrong", testPassphrase + "x"} {
				_, err := DecryptKey(p.TLS.Key, wrong)
				if !errors.Is(err, ErrIncorrectPassphrase) {
					t.Errorf("passphrase %q: %v, want ErrIncorrectPassphrase", wrong, err)
				}
				if err != nil && strings.Contains(err.Error(), testPassphrase) {
					t.Errorf("the error shows the passphrase: %v", err)
				}
			}
		})
	}
	// The key cannot be matched to the certificate before it is
	// decrypted: another certificate's key is not refused yet.
	other := readTestdata(t, "other.key")
	b, _ := pem.Decode([]byte(other))
	//lint:ignore SA1019 as above.
	enc, err := x509.EncryptPEMBlock(rand.Reader, "PRIVATE KEY", b.Bytes, []byte(testPassphrase), x509.PEMCipherAES128)
	if err != nil {
		t.Fatal(err)
	}
	mustParse(t, profileWith(t, block("cert", cert), block("key", string(pem.EncodeToMemory(enc)))))
}

func TestEncryptedKeyErrors(t *testing.T) {
	tests := []struct {
		name, key, want string
	}{
		{"garbage PKCS#8", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----", "the encrypted private key does not parse"},
		{"no DEK-Info", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----", "has no DEK-Info header"},
		{"unknown cipher", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: CAMELLIA-256-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n-----END RSA PRIVATE KEY-----", "encrypted with CAMELLIA-256-CBC, which cvpn cannot decrypt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := errorsOf(t, func() error {
				_, err := parseText(profileWith(t, block("cert", readTestdata(t, "client.crt")), block("key", tt.key)))
				return err
			}())
			if !strings.Contains(list.Error(), tt.want) {
				t.Errorf("errors %v, want %q", list, tt.want)
			}
		})
	}
}

// pkcs12Profile is a profile whose client certificate is the bundle,
// inline and base64; withCA adds the testdata CA as <ca>.
func pkcs12Profile(der []byte, withCA bool, t *testing.T) string {
	lines := []string{block("pkcs12", base64.StdEncoding.EncodeToString(der)), "client", "dev tun", "remote vpn.example.com 1194"}
	if withCA {
		lines = append(lines, block("ca", readTestdata(t, "ca.crt")))
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestPKCS12(t *testing.T) {
	key, cert, ca := testKeyPair(t)
	encode := func(enc *pkcs12.Encoder, cas []*x509.Certificate, password string) []byte {
		der, err := enc.Encode(key, cert, cas, password)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	cas := []*x509.Certificate{ca}
	tests := []struct {
		name      string
		der       []byte
		withCA    bool
		encrypted bool
		wantErr   string // a parse error
		wantWarn  string
	}{
		{name: "modern with password", der: encode(pkcs12.Modern, cas, testPassphrase), withCA: true, encrypted: true},
		{name: "legacy with password", der: encode(pkcs12.Legacy, cas, testPassphrase), withCA: true, encrypted: true},
		{name: "modern empty password", der: encode(pkcs12.Modern, cas, ""), withCA: true},
		{name: "legacy empty password", der: encode(pkcs12.Legacy, cas, ""), withCA: true},
		{name: "passwordless", der: encode(pkcs12.Passwordless, cas, ""), withCA: true},
		{name: "CA from the bundle", der: encode(pkcs12.Modern, cas, "")},
		{name: "protected, CA from the bundle", der: encode(pkcs12.Modern, cas, testPassphrase), encrypted: true,
			wantWarn: "the CA certificate must come from the pkcs12 bundle, which is opened with its password when connecting"},
		{name: "no CA anywhere", der: encode(pkcs12.Modern, nil, ""), wantErr: "the profile has no <ca> and the pkcs12 bundle holds no CA certificate"},
		{name: "not PKCS#12", der: []byte{0x30, 0x03, 0x02, 0x01, 0x01}, withCA: true, wantErr: "this is not a PKCS#12 bundle cvpn can read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := pkcs12Profile(tt.der, tt.withCA, t)
			if tt.wantErr != "" {
				list := errorsOf(t, func() error { _, err := parseText(text); return err }())
				if !strings.Contains(list.Error(), tt.wantErr) {
					t.Errorf("errors %v, want %q", list, tt.wantErr)
				}
				return
			}
			p := mustParse(t, text)
			if p.TLS.PKCS12Encrypted != tt.encrypted {
				t.Errorf("PKCS12Encrypted = %v, want %v", p.TLS.PKCS12Encrypted, tt.encrypted)
			}
			if tt.wantWarn != "" && !hasWarning(p, tt.wantWarn) {
				t.Errorf("warnings %v lack %q", p.Warnings, tt.wantWarn)
			}
			s := p.Summary()
			if s.KeyProtected != tt.encrypted {
				t.Errorf("summary KeyProtected = %v", s.KeyProtected)
			}
			if !tt.encrypted && !strings.Contains(s.ClientCert, cert.Subject.CommonName) {
				t.Errorf("summary client cert %q lacks %q", s.ClientCert, cert.Subject.CommonName)
			}
			pass := ""
			if tt.encrypted {
				pass = testPassphrase
				if _, err := OpenPKCS12(p.TLS.PKCS12, "wrong"); !errors.Is(err, ErrIncorrectPassphrase) {
					t.Errorf("wrong password: %v", err)
				}
			}
			ck, err := OpenPKCS12(p.TLS.PKCS12, pass)
			if err != nil {
				t.Fatal(err)
			}
			if !ck.Cert.Equal(cert) || len(ck.Chain) != 1 || !ck.Chain[0].Equal(ca) {
				t.Errorf("opened %v with chain %v", ck.Cert.Subject, ck.Chain)
			}
		})
	}
}

// askpass is accepted; a passphrase file is never read and leaves the
// stored profile.
func TestAskpass(t *testing.T) {
	p := mustParse(t, profileWith(t, "askpass"))
	if len(p.Warnings) != 0 {
		t.Errorf("askpass alone warns: %v", p.Warnings)
	}
	p = mustParse(t, profileWith(t, "askpass /etc/openvpn/pass.txt"))
	if !hasWarning(p, `cvpn does not read passphrase files ("/etc/openvpn/pass.txt" is not read)`) {
		t.Errorf("warnings: %v", p.Warnings)
	}
	if in := string(p.Inlined()); strings.Contains(in, "pass.txt") || !strings.Contains(in, "\naskpass\n") && !strings.HasPrefix(in, "askpass\n") {
		t.Errorf("stored profile:\n%s", in)
	}
}

// FuzzOpenPKCS12 feeds the PKCS#12 glue arbitrary bundles: it must never
// panic, and whatever it opens holds a key matching its certificate.
func FuzzOpenPKCS12(f *testing.F) {
	f.Add([]byte{0x30, 0x00}, "")
	f.Add([]byte("not a bundle"), "x")
	if der, err := os.ReadFile(filepath.Join("testdata", "client.p12")); err == nil {
		f.Add(der, "")
		f.Add(der, "wrong")
	}
	f.Fuzz(func(t *testing.T, der []byte, password string) {
		ck, err := OpenPKCS12(der, password)
		if err != nil {
			return
		}
		pub, ok := ck.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !pub.Equal(ck.Cert.PublicKey) {
			t.Fatal("opened a bundle whose key does not match its certificate")
		}
		if _, encrypted, problem := checkPKCS12(der); password == "" && (encrypted || problem != "") {
			t.Fatalf("checkPKCS12 disagrees with OpenPKCS12: %v %q", encrypted, problem)
		}
	})
}

// Bundles written by the openssl CLI (OpenSSL 3's PBES2/AES default, and
// -legacy's RC2/3DES when the legacy provider is there) open with their
// password and are refused with a wrong one.
func TestPKCS12OpenSSL(t *testing.T) {
	testenv.RequireCommand(t, "openssl")
	_, cert, _ := testKeyPair(t)
	for _, variant := range [][]string{nil, {"-legacy"}} {
		t.Run(strings.Join(append([]string{"default"}, variant...), " "), func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "c.p12")
			args := append([]string{"pkcs12", "-export", "-in", filepath.Join("testdata", "client.crt"), "-inkey", filepath.Join("testdata", "client.key"),
				"-certfile", filepath.Join("testdata", "ca.crt"), "-passout", "pass:" + testPassphrase, "-out", dst}, variant...)
			if msg, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
				if len(variant) > 0 {
					testenv.Unavailable(t, "openssl %v: %v (no legacy provider?)\n%s", variant, err, msg)
				}
				t.Fatalf("openssl pkcs12: %v\n%s", err, msg)
			}
			der, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			p := mustParse(t, pkcs12Profile(der, false, t))
			if !p.TLS.PKCS12Encrypted {
				t.Error("not marked as needing a password")
			}
			if _, err := OpenPKCS12(der, "wrong"); !errors.Is(err, ErrIncorrectPassphrase) {
				t.Errorf("wrong password: %v", err)
			}
			ck, err := OpenPKCS12(der, testPassphrase)
			if err != nil {
				t.Fatal(err)
			}
			if !ck.Cert.Equal(cert) || len(ck.Chain) != 1 {
				t.Errorf("opened %v with %d more certificates", ck.Cert.Subject, len(ck.Chain))
			}
		})
	}
}
