package openvpn

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/cvpn/cvpn/profile"
)

const testPassphrase = "c0rrect-horse-never-logged"

// protectedProfiles returns the test profile with its client key protected
// by testPassphrase in each format the engine opens.
func protectedProfiles(t *testing.T, port int) map[string]*profile.Profile {
	t.Helper()
	pki := newTestPKI(t)
	b, _ := pem.Decode(pki.clientKy)
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key := k.(*ecdsa.PrivateKey)
	out := map[string]*profile.Profile{}

	ecDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the test needs the legacy format the engine must read.
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", ecDER, []byte(testPassphrase), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	p := testProfile(t, port)
	p.TLS.Key, p.TLS.KeyEncrypted = pem.EncodeToMemory(legacy), true
	out["legacy PEM"] = p

	p8, err := pkcs8.MarshalPrivateKey(key, []byte(testPassphrase), nil)
	if err != nil {
		t.Fatal(err)
	}
	p = testProfile(t, port)
	p.TLS.Key, p.TLS.KeyEncrypted = pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: p8}), true
	out["PKCS#8"] = p

	cb, _ := pem.Decode(pki.clientPEM)
	cert, _ := x509.ParseCertificate(cb.Bytes)
	ab, _ := pem.Decode(pki.caPEM)
	ca, _ := x509.ParseCertificate(ab.Bytes)
	bundle, err := pkcs12.Modern.Encode(key, cert, []*x509.Certificate{ca}, testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	p = testProfile(t, port)
	p.TLS.Cert, p.TLS.Key, p.TLS.PKCS12, p.TLS.PKCS12Encrypted = nil, nil, bundle, true
	p.TLS.CA = nil // the bundle's CA must verify the server
	out["PKCS#12 without <ca>"] = p
	return out
}

// A wrong passphrase is asked again with Retry set; the right one opens
// the key, and reconnections use it without asking.
func TestSessionKeyPassphrase(t *testing.T) {
	for name, prof := range protectedProfiles(t, 0) {
		t.Run(name, func(t *testing.T) {
			f := newFakeServer(t, func(int) string { return testPush })
			prof.Remotes[0].Port = f.port()
			p := &prompts{answers: []*Answer{{Password: "wrong"}, {Password: testPassphrase}}}
			s, err := Dial(t.Context(), prof, newPipeDevice(), Options{Prompter: p})
			if err != nil {
				t.Fatal(err)
			}
			r := record(s)
			r.waitFor(t, StateConnected, 1)
			f.send("RESTART")
			r.waitFor(t, StateConnected, 2)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			if len(p.asked) != 2 {
				t.Fatalf("asked %d times, want 2 (wrong, then right; never on reconnecting)", len(p.asked))
			}
			for i, want := range []string{"", "wrong passphrase"} {
				if q := p.asked[i]; q.Kind != PromptPassphrase || q.Retry != want || q.Profile != "test" {
					t.Errorf("prompt %d: %+v, want a passphrase prompt with Retry %q", i, q, want)
				}
			}
			r.checkEdges(t)
		})
	}
}

// Three wrong passphrases end the session with ErrBadPassphrase, and no
// prompter ends it with ErrNoPassphrase; neither error shows a passphrase.
func TestSessionKeyPassphraseFails(t *testing.T) {
	prof := protectedProfiles(t, 9)["PKCS#8"] // never dialled
	wrong := &prompts{answers: []*Answer{{Password: "bad-1"}, {Password: "bad-2"}, {Password: "bad-3"}, {Password: testPassphrase}}}
	for _, tt := range []struct {
		name     string
		prompter Prompter
		want     error
		asked    int
	}{
		{"three wrong", wrong, ErrBadPassphrase, 3},
		{"no prompter", nil, ErrNoPassphrase, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Dial(t.Context(), prof, newPipeDevice(), Options{Prompter: tt.prompter})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Wait()
			if !errors.Is(err, tt.want) {
				t.Fatalf("Wait: %v, want %v", err, tt.want)
			}
			for _, secret := range []string{"bad-", testPassphrase} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows a passphrase: %v", err)
				}
			}
		})
	}
	if len(wrong.asked) != 3 {
		t.Errorf("asked %d times, want 3", len(wrong.asked))
	}
}

// An unprotected PKCS#12 bundle needs no prompt, and its CA verifies the
// server when the profile has none.
func TestTLSConfigPKCS12(t *testing.T) {
	pki := newTestPKI(t)
	b, _ := pem.Decode(pki.clientKy)
	key, _ := x509.ParsePKCS8PrivateKey(b.Bytes)
	cb, _ := pem.Decode(pki.clientPEM)
	cert, _ := x509.ParseCertificate(cb.Bytes)
	ab, _ := pem.Decode(pki.caPEM)
	ca, _ := x509.ParseCertificate(ab.Bytes)
	bundle, err := pkcs12.Passwordless.Encode(key, cert, []*x509.Certificate{ca}, "")
	if err != nil {
		t.Fatal(err)
	}
	tp := &profile.TLS{PKCS12: bundle}
	if keyProtected(tp) {
		t.Fatal("a passwordless bundle is taken as protected")
	}
	cfg, err := tlsConfig(tp)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Certificates) != 1 || !cfg.Certificates[0].Leaf.Equal(cert) || len(cfg.Certificates[0].Certificate) != 2 {
		t.Errorf("client certificate chain not taken from the bundle: %+v", cfg.Certificates)
	}
	noCA, err := pkcs12.Passwordless.Encode(key, cert, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tlsConfig(&profile.TLS{PKCS12: noCA}); err == nil || !strings.Contains(err.Error(), "neither a <ca>") {
		t.Errorf("a bundle without CA and no <ca>: %v", err)
	}
}
