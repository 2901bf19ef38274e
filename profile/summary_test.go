package profile

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoSecretsInJSON: the profile, its summary and store entries may be
// logged or sent over the local API, so none may carry keys or passwords.
func TestNoSecretsInJSON(t *testing.T) {
	for _, f := range []string{"generic-remotes.ovpn", "userpass-file.ovpn", "tls-crypt-v2.ovpn", "aws-mutual.ovpn"} {
		p, err := ParseFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []any{p, p.Summary()} {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			for _, secret := range []string{"PRIVATE KEY", "secret-password", "BEGIN", "MII"} {
				if strings.Contains(string(b), secret) {
					t.Errorf("%s: JSON of %T contains %q", f, v, secret)
				}
			}
		}
	}
}

func TestSummary(t *testing.T) {
	p, err := ParseFile(filepath.Join("testdata", "generic-connections.ovpn"))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Summary()
	if s.Transport != "udp+tcp" || s.Wrap != "varies by connection" || s.Auth != AuthUserPass || len(s.Remotes) != 3 ||
		s.Remotes[2].String() != "c.example.com:8443/tcp" || s.CA[0] != "cvpn test CA" || s.RenegSec != 3600 {
		t.Errorf("summary = %+v", s)
	}
	m, err := ParseFile(filepath.Join("testdata", "aws-mutual.ovpn"))
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Summary(); s.ClientCert != "cvpn-test-client" || !s.RandomHostname || s.Wrap != "none" || s.TLSVersionMin != "1.2" {
		t.Errorf("summary = %+v", s)
	}
}
