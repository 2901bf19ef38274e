//go:build linux

package lab

import (
	"slices"
	"strings"
	"testing"
)

var testFiles = serverFiles{
	CA: "/lab/ca.crt", Cert: "/lab/server.crt", Key: "/lab/server.key", CRL: "/lab/crl.pem",
	WrapKey: "/lab/wrap.key", AuthTokenSecret: "/lab/auth-token.key",
	VerifyScript: "/lab/verify-user-pass.sh", TmpDir: "/lab/tmp",
}

func testAddressing(t *testing.T) Addressing {
	t.Helper()
	a, err := AddressingFor(7)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestServerConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts ServerOptions
		want []string // whole lines that must appear
		not  []string // line prefixes that must not appear
	}{
		{
			name: "defaults",
			opts: ServerOptions{},
			want: []string{"port 1194", "proto udp6", "dev tun0", "topology subnet",
				"server 198.19.7.0 255.255.255.0", "ca /lab/ca.crt", "dh none", "crl-verify /lab/crl.pem",
				"remote-cert-tls client", "disable-dco", "verb 3"},
			not: []string{"tls-auth", "tls-crypt", "server-ipv6", "auth ", "data-ciphers", "compress", "comp-lzo",
				"push", "script-security", "auth-gen-token", "keepalive", "reneg-sec", "explicit-exit-notify", "verify-client-cert"},
		},
		{
			name: "tcp tls-auth with direction",
			opts: ServerOptions{Proto: TCP, Port: 443, Wrap: WrapTLSAuth, Auth: "SHA256"},
			want: []string{"proto tcp6-server", "port 443", "tls-auth /lab/wrap.key 0", "auth SHA256"},
		},
		{
			name: "tls-auth without direction",
			opts: ServerOptions{Wrap: WrapTLSAuthNoDirection},
			want: []string{"tls-auth /lab/wrap.key"},
		},
		{
			name: "tls-crypt",
			opts: ServerOptions{Wrap: WrapTLSCrypt},
			want: []string{"tls-crypt /lab/wrap.key"},
		},
		{
			name: "tls-crypt-v2 force-cookie",
			opts: ServerOptions{Wrap: WrapTLSCryptV2, TLSCryptV2ForceCookie: true},
			want: []string{"tls-crypt-v2 /lab/wrap.key force-cookie"},
		},
		{
			name: "ciphers fallback ekm",
			opts: ServerOptions{DataCiphers: []string{"AES-256-GCM", "CHACHA20-POLY1305"}, DataCiphersFallback: "AES-256-CBC", ForceEKM: true},
			want: []string{"data-ciphers AES-256-GCM:CHACHA20-POLY1305", "data-ciphers-fallback AES-256-CBC", "force-tls-key-material-export"},
		},
		{
			name: "compress stub-v2 is set and pushed",
			opts: ServerOptions{Compression: CompressStubV2},
			want: []string{"compress stub-v2", `push "compress stub-v2"`},
		},
		{
			name: "comp-lzo no",
			opts: ServerOptions{Compression: CompLZONo},
			want: []string{"comp-lzo no", `push "comp-lzo no"`},
		},
		{
			name: "bare compress",
			opts: ServerOptions{Compression: CompressStub},
			want: []string{"compress", `push "compress"`},
		},
		{
			name: "pushed routes",
			opts: ServerOptions{PushRoutes: 300},
			want: []string{`push "route 172.16.0.0 255.255.255.0"`, `push "route 172.16.255.0 255.255.255.0"`,
				`push "route 172.17.43.0 255.255.255.0"`},
			not: []string{`push "route 172.17.44.0`},
		},
		{
			name: "timers ipv6 topology exit-notify",
			opts: ServerOptions{RenegSec: 60, KeepaliveInterval: 10, IPv6: true, Topology: "net30", ExplicitExitNotify: 2, Verb: 4},
			want: []string{"reneg-sec 60", "keepalive 10 40", "server-ipv6 fd63:7670:6e00:107::/64",
				"topology net30", "explicit-exit-notify 2", "verb 4"},
		},
		{
			name: "explicit-exit-notify is udp only",
			opts: ServerOptions{Proto: TCP, ExplicitExitNotify: 1},
			not:  []string{"explicit-exit-notify"},
		},
		{
			name: "user/pass with token",
			opts: ServerOptions{UserPass: true, AuthGenToken: true, AuthGenTokenLifetime: 3600},
			want: []string{"script-security 2", "auth-user-pass-verify /lab/verify-user-pass.sh via-file",
				"tmp-dir /lab/tmp", "auth-gen-token 3600", "auth-gen-token-secret /lab/auth-token.key", "remote-cert-tls client"},
		},
		{
			name: "no client certificate",
			opts: ServerOptions{UserPass: true, VerifyClientCert: "none"},
			want: []string{"verify-client-cert none", "username-as-common-name"},
			not:  []string{"remote-cert-tls"},
		},
		{
			name: "optional client certificate",
			opts: ServerOptions{VerifyClientCert: "optional"},
			want: []string{"verify-client-cert optional", "remote-cert-tls client"},
		},
		{
			name: "dco allowed, extra lines last",
			opts: ServerOptions{AllowDCO: true, Extra: []string{"tun-mtu 1400", "mssfix 1300"}},
			want: []string{"tun-mtu 1400", "mssfix 1300"},
			not:  []string{"disable-dco"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conf, err := serverConfig(tt.opts, testAddressing(t), testFiles)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(conf), "\n")
			for _, w := range tt.want {
				if !slices.Contains(lines, w) {
					t.Errorf("config lacks line %q:\n%s", w, conf)
				}
			}
			for _, n := range tt.not {
				for _, l := range lines {
					if strings.HasPrefix(l, n) {
						t.Errorf("config has %q, want no line starting %q", l, n)
					}
				}
			}
			if e := tt.opts.Extra; len(e) > 0 && !slices.Equal(lines[len(lines)-len(e):], e) {
				t.Errorf("extra lines are not at the end, so they could not override earlier ones")
			}
		})
	}
}

func TestServerOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    ServerOptions
		wantErr string // "" means valid
	}{
		{"zero value", ServerOptions{}, ""},
		{"bad proto", ServerOptions{Proto: "sctp"}, "proto"},
		{"bad port", ServerOptions{Port: 70000}, "port"},
		{"cookie without v2", ServerOptions{Wrap: WrapTLSCrypt, TLSCryptV2ForceCookie: true}, "force-cookie"},
		{"cert none without password", ServerOptions{VerifyClientCert: "none"}, "verify-client-cert none"},
		{"unknown verify mode", ServerOptions{VerifyClientCert: "sometimes"}, "verify-client-cert"},
		{"token without password", ServerOptions{AuthGenToken: true}, "auth-gen-token"},
		{"too many routes", ServerOptions{PushRoutes: maxPushRoutes + 1}, "push routes"},
		{"bad topology", ServerOptions{Topology: "star"}, "topology"},
		{"newline injection", ServerOptions{Extra: []string{"verb 3\nup /bin/sh"}}, "newline"},
		{"cipher list separator", ServerOptions{DataCiphers: []string{"AES-256-GCM:BF-CBC"}}, "separator"},
		{"unknown key type", ServerOptions{KeyType: 9}, "key type"},
		{"negative timer", ServerOptions{RenegSec: -1}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.opts.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want an error mentioning %q", err, tt.wantErr)
			}
			if _, err := serverConfig(tt.opts, testAddressing(t), testFiles); err == nil {
				t.Errorf("serverConfig accepted options that Validate refuses")
			}
		})
	}
}

func TestParseNames(t *testing.T) {
	t.Parallel()
	for i, n := range wrapNames {
		w, err := ParseWrap(n)
		if err != nil || w != Wrap(i) || w.String() != n {
			t.Errorf("ParseWrap(%q) = %v, %v", n, w, err)
		}
	}
	for i, n := range compressionNames {
		c, err := ParseCompression(n)
		if err != nil || c != Compression(i) || c.String() != n {
			t.Errorf("ParseCompression(%q) = %v, %v", n, c, err)
		}
	}
	if _, err := ParseWrap("tls-crypt-v3"); err == nil {
		t.Errorf("ParseWrap accepted an unknown name")
	}
	if _, err := ParseCompression("lz4"); err == nil {
		t.Errorf("ParseCompression accepted lz4; the lab must never really compress")
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"/tmp/cvpn-lab-1/ca.crt": "/tmp/cvpn-lab-1/ca.crt",
		"/tmp/my lab/ca.crt":     `"/tmp/my lab/ca.crt"`,
		`/tmp/a"b`:               `"/tmp/a\"b"`,
		"":                       `""`,
	}
	for in, want := range tests {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}
