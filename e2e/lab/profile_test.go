//go:build linux

package lab

import (
	"slices"
	"strings"
	"testing"
)

var testMaterial = profileMaterial{
	CA:      []byte("-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"),
	Cert:    []byte("-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n"),
	Key:     []byte("-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n"),
	WrapKey: []byte("-----BEGIN OpenVPN Static key V1-----\nWRAP\n-----END OpenVPN Static key V1-----\n"),
}

func TestClientProfile(t *testing.T) {
	t.Parallel()
	noCert := testMaterial
	noCert.Cert, noCert.Key = nil, nil
	tests := []struct {
		name string
		opts ServerOptions
		po   ProfileOptions
		m    profileMaterial
		want []string // whole lines
		not  []string // line prefixes
	}{
		{
			name: "defaults",
			want: []string{"client", "dev tun", "proto udp", "remote 198.18.7.1 1194 udp", "nobind",
				"remote-cert-tls server", "<ca>", "CA", "</ca>", "<cert>", "CLIENT", "<key>", "KEY", "verb 3"},
			not: []string{"auth-user-pass", "key-direction", "<tls-", "cipher", "data-ciphers", "auth ", "explicit-exit-notify"},
		},
		{
			name: "tcp over ipv6 on another port",
			opts: ServerOptions{Proto: TCP, Port: 8443, TransportIPv6: true},
			want: []string{"proto tcp", "remote fd63:7670:6e00:7::1 8443 tcp"},
		},
		{
			name: "tls-auth gets key-direction 1",
			opts: ServerOptions{Wrap: WrapTLSAuth, Auth: "SHA512"},
			want: []string{"key-direction 1", "<tls-auth>", "WRAP", "</tls-auth>", "auth SHA512"},
		},
		{
			name: "bidirectional tls-auth has no key-direction",
			opts: ServerOptions{Wrap: WrapTLSAuthNoDirection},
			want: []string{"<tls-auth>"},
			not:  []string{"key-direction"},
		},
		{
			name: "tls-crypt",
			opts: ServerOptions{Wrap: WrapTLSCrypt},
			want: []string{"<tls-crypt>", "</tls-crypt>"},
			not:  []string{"key-direction", "<tls-auth>"},
		},
		{
			name: "tls-crypt-v2",
			opts: ServerOptions{Wrap: WrapTLSCryptV2, TLSCryptV2ForceCookie: true},
			want: []string{"<tls-crypt-v2>", "</tls-crypt-v2>"},
		},
		{
			name: "cipher lines follow the server",
			opts: ServerOptions{DataCiphers: []string{"AES-128-GCM"}, DataCiphersFallback: "AES-256-CBC"},
			want: []string{"data-ciphers AES-128-GCM", "cipher AES-256-CBC"},
		},
		{
			name: "cipher lines can be left out",
			opts: ServerOptions{DataCiphers: []string{"AES-128-GCM"}, DataCiphersFallback: "AES-256-CBC"},
			po:   ProfileOptions{NoCipherLines: true},
			not:  []string{"data-ciphers", "cipher"},
		},
		{
			name: "user/pass without certificate",
			opts: ServerOptions{UserPass: true, VerifyClientCert: "none"},
			m:    noCert,
			want: []string{"auth-user-pass"},
			not:  []string{"<cert>", "<key>"},
		},
		{
			name: "exit notify on udp, extra lines",
			opts: ServerOptions{ExplicitExitNotify: 3},
			po:   ProfileOptions{Extra: []string{"connect-retry 1 1"}},
			want: []string{"explicit-exit-notify 3", "connect-retry 1 1"},
		},
		{
			name: "no exit notify on tcp",
			opts: ServerOptions{Proto: TCP, ExplicitExitNotify: 3},
			not:  []string{"explicit-exit-notify"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := tt.m
			if m.CA == nil {
				m = testMaterial
			}
			p := clientProfile(tt.opts, testAddressing(t), m, tt.po)
			lines := strings.Split(strings.TrimSpace(p), "\n")
			for _, w := range tt.want {
				if !slices.Contains(lines, w) {
					t.Errorf("profile lacks line %q:\n%s", w, p)
				}
			}
			for _, n := range tt.not {
				for _, l := range lines {
					if strings.HasPrefix(l, n) {
						t.Errorf("profile has %q, want no line starting %q", l, n)
					}
				}
			}
			// key-direction must come before the block it applies to.
			if kd, ta := slices.Index(lines, "key-direction 1"), slices.Index(lines, "<tls-auth>"); kd >= 0 && kd > ta {
				t.Errorf("key-direction 1 comes after <tls-auth>")
			}
		})
	}
}
