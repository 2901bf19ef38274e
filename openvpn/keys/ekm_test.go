package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"
)

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "server"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// handshake runs a TLS handshake over an in-memory pipe and returns both
// ends' connection states.
func handshake(t *testing.T, version uint16, reneg tls.RenegotiationSupport) (client, server tls.ConnectionState) {
	t.Helper()
	c, s := net.Pipe()
	defer c.Close()
	defer s.Close()
	srv := tls.Server(s, &tls.Config{
		Certificates: []tls.Certificate{selfSigned(t)},
		MinVersion:   version, MaxVersion: version,
	})
	cli := tls.Client(c, &tls.Config{
		InsecureSkipVerify: true, // the test only needs a session, not trust
		MinVersion:         version, MaxVersion: version,
		Renegotiation: reneg,
	})
	errc := make(chan error, 1)
	go func() { errc <- srv.Handshake() }()
	if err := cli.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	return cli.ConnectionState(), srv.ConnectionState()
}

func TestFromExporterRealTLS(t *testing.T) {
	for _, v := range []struct {
		name    string
		version uint16
	}{{"tls1.2", tls.VersionTLS12}, {"tls1.3", tls.VersionTLS13}} {
		t.Run(v.name, func(t *testing.T) {
			ccs, scs := handshake(t, v.version, tls.RenegotiateNever)
			if !EKMAvailable(ccs) || !EKMAvailable(scs) {
				t.Fatal("EKM unavailable on a Go-to-Go session")
			}
			cm, err := FromExporter(ccs.ExportKeyingMaterial)
			if err != nil {
				t.Fatal(err)
			}
			sm, err := FromExporter(scs.ExportKeyingMaterial)
			if err != nil {
				t.Fatal(err)
			}
			if !cm.Equal(&sm) {
				t.Fatal("client and server exported different key blocks")
			}
			direct, _ := ccs.ExportKeyingMaterial("EXPORTER-OpenVPN-datakeys", nil, 256)
			if !bytes.Equal(cm[:], direct) {
				t.Fatal("FromExporter does not use the OpenVPN label with no context")
			}
			if v.version == tls.VersionTLS12 {
				// RFC 5705: an empty context is not "no context" in TLS 1.2.
				empty, _ := ccs.ExportKeyingMaterial("EXPORTER-OpenVPN-datakeys", []byte{}, 256)
				if bytes.Equal(cm[:], empty) {
					t.Fatal("exported with an empty context instead of none")
				}
			}
		})
	}
}

func TestEKMUnavailable(t *testing.T) {
	// crypto/tls refuses EKM whenever renegotiation is allowed; that is the
	// refusal we can provoke between two Go ends (a TLS 1.2 peer without
	// Extended Master Secret is refused the same way).
	ccs, _ := handshake(t, tls.VersionTLS12, tls.RenegotiateOnceAsClient)
	if EKMAvailable(ccs) {
		t.Error("EKMAvailable = true with renegotiation enabled")
	}
	if _, err := FromExporter(ccs.ExportKeyingMaterial); !errors.Is(err, ErrEKMUnavailable) {
		t.Errorf("FromExporter error = %v, want ErrEKMUnavailable", err)
	}
	if EKMAvailable(tls.ConnectionState{}) {
		t.Error("EKMAvailable(zero state) = true")
	}
	if EKMAvailable(tls.ConnectionState{HandshakeComplete: true}) {
		t.Error("EKMAvailable(hand-made state) = true")
	}
	if _, err := FromExporter(nil); !errors.Is(err, ErrEKMUnavailable) {
		t.Errorf("FromExporter(nil) error = %v", err)
	}
}

func TestFromExporterChecks(t *testing.T) {
	tests := []struct {
		name    string
		export  Exporter
		wantErr bool
	}{
		{"short output", func(string, []byte, int) ([]byte, error) { return make([]byte, 255), nil }, true},
		{"error", func(string, []byte, int) ([]byte, error) { return nil, errBoom }, true},
		{"arguments", func(label string, ctx []byte, n int) ([]byte, error) {
			if label != ExporterLabel || ctx != nil || n != MaterialSize {
				return nil, errBoom
			}
			return seqBytes(0, n), nil
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := FromExporter(tt.export)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !bytes.Equal(m[:], seqBytes(0, MaterialSize)) {
				t.Fatal("material not copied")
			}
		})
	}
}
