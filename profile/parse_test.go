package profile

import (
	"bytes"
	"crypto/tls"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

type remoteWant struct {
	host   string
	port   int
	proto  Proto
	family Family
	wrap   WrapMode
	keyDir KeyDirection
}

func remotesOf(p *Profile) []remoteWant {
	var out []remoteWant
	for _, r := range p.Remotes {
		out = append(out, remoteWant{r.Host, r.Port, r.Proto, r.Family, r.Wrap.Mode, r.Wrap.KeyDirection})
	}
	return out
}

const awsHost = "cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"

func TestParseTestdata(t *testing.T) {
	tests := []struct {
		file    string
		mode    AuthMode
		remotes []remoteWant
		check   func(t *testing.T, p *Profile)
	}{
		{
			file:    "aws-mutual.ovpn",
			mode:    AuthCertificate,
			remotes: []remoteWant{{awsHost, 443, ProtoUDP, FamilyAny, WrapNone, KeyDirBidirectional}},
			check: func(t *testing.T, p *Profile) {
				if !p.RemoteRandomHostname || p.ResolvRetry != Forever || p.Remotes[0].Bind {
					t.Errorf("random-hostname/resolv-retry/nobind not applied: %+v", p)
				}
				if !p.TLS.RemoteCertTLS || p.Data.Cipher != "AES-256-GCM" || p.Timers.RenegInterval != 0 || p.Verb != 3 {
					t.Errorf("tls/cipher/reneg/verb: %+v %+v %v", p.TLS, p.Data, p.Timers.RenegInterval)
				}
				if !p.HasClientCert() || len(p.TLS.CA) == 0 || p.Auth.UserPass {
					t.Error("want certificate auth with CA")
				}
				if len(p.Warnings) != 0 {
					t.Errorf("warnings: %v", p.Warnings)
				}
			},
		},
		{
			file:    "aws-ad-mfa.ovpn",
			mode:    AuthUserPassMFA,
			remotes: []remoteWant{{awsHost, 443, ProtoUDP, FamilyAny, WrapNone, KeyDirBidirectional}},
			check: func(t *testing.T, p *Profile) {
				sc := p.Auth.StaticChallenge
				if sc == nil || sc.Text != "Enter MFA code " || !sc.Echo {
					t.Errorf("static challenge = %+v", sc)
				}
				if p.HasClientCert() || p.Auth.Username != "" {
					t.Error("AD profile has no certificate and prompts for the username")
				}
			},
		},
		{
			file:    "aws-saml.ovpn",
			mode:    AuthSAML,
			remotes: []remoteWant{{awsHost, 443, ProtoTCP, FamilyAny, WrapNone, KeyDirBidirectional}},
			check: func(t *testing.T, p *Profile) {
				a := p.Auth
				if !a.Federated || !a.UserPass || !a.NoCache || a.Retry != AuthRetryInteract {
					t.Errorf("auth = %+v", a)
				}
				if !p.RemoteRandomHostname || p.Timers.RenegInterval != 0 {
					t.Error("SAML profile needs remote-random-hostname and reneg-sec 0")
				}
			},
		},
		{
			file: "generic-remotes.ovpn",
			mode: AuthCertificate,
			remotes: []remoteWant{
				{"vpn1.example.com", 1194, ProtoUDP, FamilyAny, WrapTLSAuth, KeyDir1},
				{"vpn2.example.com", 443, ProtoTCP, FamilyAny, WrapTLSAuth, KeyDir1},
				{"192.0.2.10", 1195, ProtoUDP, FamilyIPv4, WrapTLSAuth, KeyDir1},
				{"2001:db8::10", 8443, ProtoTCP, FamilyIPv6, WrapTLSAuth, KeyDir1},
			},
			check: func(t *testing.T, p *Profile) {
				r := p.Remotes[0]
				if !p.RemoteRandom || p.ResolvRetry != 60*time.Second || p.ConnectRetryMax != 5 {
					t.Errorf("remote-random/resolv-retry/connect-retry-max: %v %v %v", p.RemoteRandom, p.ResolvRetry, p.ConnectRetryMax)
				}
				if r.ConnectRetry != 2*time.Second || r.ConnectRetryMaxDelay != 30*time.Second || r.ConnectTimeout != 10*time.Second {
					t.Errorf("retry timers: %+v", r)
				}
				if r.ExplicitExitNotify != 2 || p.Remotes[1].ExplicitExitNotify != 0 {
					t.Error("explicit-exit-notify applies to UDP only")
				}
				if r.MTU != (MTU{TunMTU: 1500, MSSFix: 1400, MSSFixEncap: true, TLSMTU: 1250}) {
					t.Errorf("mtu = %+v", r.MTU)
				}
				if len(r.Wrap.Key) != StaticKeySize || r.Wrap.Digest != "SHA256" {
					t.Errorf("wrap = %d bytes, digest %s", len(r.Wrap.Key), r.Wrap.Digest)
				}
				tl := p.TLS
				if tl.VerifyX509 == nil || *tl.VerifyX509 != (VerifyX509{"vpn.example.com", X509Name}) {
					t.Errorf("verify-x509-name = %+v", tl.VerifyX509)
				}
				if tl.VersionMin != tls.VersionTLS12 || !tl.VersionMinOrHighest {
					t.Errorf("tls-version-min = %x %v", tl.VersionMin, tl.VersionMinOrHighest)
				}
				wantData := DataChannel{Ciphers: []string{"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"}, Fallback: "AES-256-CBC", Digest: "SHA256"}
				if !reflect.DeepEqual(p.Data, wantData) {
					t.Errorf("data = %+v", p.Data)
				}
				if p.Timers.Ping != 10*time.Second || p.Timers.PingRestart != 60*time.Second {
					t.Errorf("keepalive: %+v", p.Timers)
				}
				rg := p.Routing.RedirectGateway
				if !rg.IPv4 || !rg.IPv6 || !rg.Def1 || !rg.BypassDHCP {
					t.Errorf("redirect-gateway = %+v", rg)
				}
				if len(p.Routing.Routes) != 1 || p.Routing.Routes[0].Netmask.String() != "255.255.0.0" || len(p.Routing.Routes6) != 1 {
					t.Errorf("routes = %+v %+v", p.Routing.Routes, p.Routing.Routes6)
				}
				if !reflect.DeepEqual(p.DNS.Options, []DHCPOption{{"DNS", "10.10.0.2"}, {"DOMAIN", "corp.example.com"}}) || !p.DNS.BlockOutsideDNS {
					t.Errorf("dns = %+v", p.DNS)
				}
				if !reflect.DeepEqual(p.Routing.PullFilters, []PullFilter{{PullIgnore, "route-gateway"}}) {
					t.Errorf("pull filters = %+v", p.Routing.PullFilters)
				}
				if !p.PushPeerInfo || !reflect.DeepEqual(p.PeerInfoVars(), []EnvVar{{"UV_DEVICE", "laptop 1"}}) {
					t.Errorf("peer info = %v %+v", p.PushPeerInfo, p.PeerInfoVars())
				}
				if !hasWarning(p, "some-future-option: unknown directive ignored (setenv opt)") ||
					!hasWarning(p, "another-future-option: unknown directive ignored (ignore-unknown-option on line 42)") {
					t.Errorf("warnings = %v", p.Warnings)
				}
			},
		},
		{
			file: "generic-connections.ovpn",
			mode: AuthUserPass,
			remotes: []remoteWant{
				{"a.example.com", 1194, ProtoUDP, FamilyAny, WrapTLSAuth, KeyDir1},
				{"b.example.com", 443, ProtoTCP, FamilyAny, WrapTLSCrypt, KeyDirBidirectional},
				{"c.example.com", 8443, ProtoTCP, FamilyAny, WrapTLSAuth, KeyDir1},
			},
			check: func(t *testing.T, p *Profile) {
				a, b, c := p.Remotes[0], p.Remotes[1], p.Remotes[2]
				if a.Block != 1 || b.Block != 2 || c.Block != 3 {
					t.Error("block numbers")
				}
				if a.ExplicitExitNotify != 3 || b.ExplicitExitNotify != 0 {
					t.Error("explicit-exit-notify stays in its block")
				}
				if a.ConnectRetry != 5*time.Second || b.ConnectTimeout != 15*time.Second || a.ConnectTimeout != 120*time.Second {
					t.Error("defaults from above the blocks, overrides inside them")
				}
				if c.MTU.MSSFix != 1300 || a.MTU.MSSFix != 1492 {
					t.Error("mssfix stays in its block")
				}
			},
		},
		{
			file:    "tls-crypt-v2.ovpn",
			mode:    AuthCertificate,
			remotes: []remoteWant{{"vpn.example.org", 1194, ProtoUDP, FamilyAny, WrapTLSCryptV2, KeyDirBidirectional}},
			check: func(t *testing.T, p *Profile) {
				kc, wkc := p.Remotes[0].Wrap.V2Keys()
				if len(kc) != StaticKeySize || len(wkc) < v2MinWKc {
					t.Errorf("v2 keys %d/%d bytes", len(kc), len(wkc))
				}
				if len(p.TLS.PKCS12) == 0 || p.TLS.PKCS12[0] != 0x30 {
					t.Error("pkcs12 not read as DER")
				}
				if p.Compression.Mode != CompressStubV2 || p.Compression.Allow != AllowStubOnly {
					t.Errorf("compression = %+v", p.Compression)
				}
			},
		},
		{
			file:    "userpass-file.ovpn",
			mode:    AuthUserPass,
			remotes: []remoteWant{{"vpn.example.org", 1194, ProtoUDP, FamilyAny, WrapNone, KeyDirBidirectional}},
			check: func(t *testing.T, p *Profile) {
				if p.Auth.Username != "alice" || p.Auth.Password != "secret-password" {
					t.Errorf("credentials = %q/%q", p.Auth.Username, p.Auth.Password)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p, err := ParseFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.AuthMode(); got != tt.mode {
				t.Errorf("auth mode = %v, want %v", got, tt.mode)
			}
			if got := remotesOf(p); !reflect.DeepEqual(got, tt.remotes) {
				t.Errorf("remotes =\n%+v\nwant\n%+v", got, tt.remotes)
			}
			if p.Name != strings.TrimSuffix(tt.file, ".ovpn") {
				t.Errorf("name = %q", p.Name)
			}
			tt.check(t, p)

			// The inlined text stands alone and means the same.
			text := p.Inlined()
			q, err := Parse(text, ParseOptions{Name: "inlined.ovpn"})
			if err != nil {
				t.Fatalf("inlined profile does not parse: %v\n%s", err, text)
			}
			if !reflect.DeepEqual(remotesOf(q), remotesOf(p)) || !reflect.DeepEqual(q.TLS, p.TLS) || !reflect.DeepEqual(q.Auth, p.Auth) {
				t.Error("inlined profile differs")
			}
			for i := range p.Remotes {
				if !bytes.Equal(q.Remotes[i].Wrap.Key, p.Remotes[i].Wrap.Key) {
					t.Error("wrap key differs after inlining")
				}
			}
		})
	}
}

func TestInlinedReplacesFileReferences(t *testing.T) {
	p, err := ParseFile(filepath.Join("testdata", "generic-remotes.ovpn"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(p.Inlined())
	for _, gone := range []string{`ca "ca.crt"`, "cert client.crt", "key 'client.key'", "tls-auth ta.key 1"} {
		if strings.Contains(text, gone) {
			t.Errorf("inlined text still has %q", gone)
		}
	}
	for _, want := range []string{"<ca>\n-----BEGIN CERTIFICATE-----", "<key>\n-----BEGIN PRIVATE KEY-----", "</tls-auth>\nkey-direction 1\n", "# A generic OpenVPN 2.6 client profile.\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("inlined text lacks %q", want)
		}
	}
	v2, err := ParseFile(filepath.Join("testdata", "tls-crypt-v2.ovpn"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(v2.Inlined()); !strings.Contains(s, "<pkcs12>\nMII") || !strings.Contains(s, "<tls-crypt-v2>\n-----BEGIN OpenVPN tls-crypt-v2 client key-----") {
		t.Errorf("pkcs12/tls-crypt-v2 not inlined:\n%s", s)
	}
	up, err := ParseFile(filepath.Join("testdata", "userpass-file.ovpn"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(up.Inlined()); !strings.Contains(s, "<auth-user-pass>\nalice\nsecret-password\n</auth-user-pass>\n") {
		t.Errorf("auth-user-pass not inlined:\n%s", s)
	}
	if (*Profile)(nil).Inlined() != nil || (&Profile{}).Inlined() != nil {
		t.Error("Inlined of a profile not from Parse should be nil")
	}
}

func TestInlineMarker(t *testing.T) {
	ta := readTestdata(t, "ta.key")
	// "[inline]" before and after its block, with a key direction.
	for _, order := range [][]string{
		{"tls-auth [inline] 1", block("tls-auth", ta)},
		{block("tls-auth", ta), "tls-auth [inline] 1"},
	} {
		p := mustParse(t, profileWith(t, order...))
		w := p.Remotes[0].Wrap
		if w.Mode != WrapTLSAuth || w.KeyDirection != KeyDir1 || len(w.Key) != StaticKeySize {
			t.Errorf("%q: wrap = %+v", order[0], w)
		}
		in := string(p.Inlined())
		if strings.Contains(in, "[inline]") || !strings.Contains(in, "key-direction 1") {
			t.Errorf("inlined text keeps the marker or loses the direction:\n%s", in)
		}
		mustParse(t, in)
	}
	_, err := parseText(profileWith(t, "cert [inline]", "key [inline]"))
	list := errorsOf(t, err)
	if len(list) != 2 || !strings.Contains(list[0].Error(), "test.ovpn:1: cert: says the content is inline, but there is no <cert> block") {
		t.Errorf("errors = %v", list)
	}
}

func TestConnectionBlocks(t *testing.T) {
	ta := readTestdata(t, "ta.key")
	text := profileWith(t,
		"remote ignored.example.com", // top-level remotes lose to blocks
		"<connection>", "remote one.example.com", "</connection>",
		"proto tcp", // comes after block 1: applies to block 2 only
		"<connection>", "remote two.example.com", "key-direction 1", block("tls-auth", ta), "</connection>",
		"tls-crypt [inline]", block("tls-crypt", ta),
	)
	p := mustParse(t, text)
	want := []remoteWant{
		{"one.example.com", 1194, ProtoUDP, FamilyAny, WrapTLSCrypt, KeyDirBidirectional},
		{"two.example.com", 1194, ProtoTCP, FamilyAny, WrapTLSAuth, KeyDirBidirectional},
	}
	if got := remotesOf(p); !reflect.DeepEqual(got, want) {
		t.Errorf("remotes = %+v", got)
	}
	for _, w := range []string{
		"line 1: remote: ignored: the profile has <connection> blocks",
		"line 5: proto: comes after a <connection> block",
		"tls-auth: resets the key-direction set on line 8",
	} {
		if !hasWarning(p, w) {
			t.Errorf("missing warning %q in %v", w, p.Warnings)
		}
	}
}

func TestSetenvSpecials(t *testing.T) {
	p := mustParse(t, profileWith(t,
		"setenv REMOTE_RANDOM_HOSTNAME",
		"setenv PUSH_PEER_INFO",
		"setenv SERVER_POLL_TIMEOUT 7",
		"setenv FORWARD_COMPATIBLE 1",
		"future-directive 1",
		"setenv UV_X y",
	))
	if !p.RemoteRandomHostname || !p.PushPeerInfo || p.Remotes[0].ConnectTimeout != 7*time.Second {
		t.Errorf("setenv specials not applied: %+v", p)
	}
	if !hasWarning(p, "future-directive: unknown directive ignored (setenv FORWARD_COMPATIBLE 1)") {
		t.Errorf("warnings = %v", p.Warnings)
	}
	if got := p.PeerInfoVars(); len(got) != 1 || got[0] != (EnvVar{"UV_X", "y"}) {
		t.Errorf("peer info vars = %v", got)
	}
}

func TestCompressionAndTimers(t *testing.T) {
	tests := []struct {
		lines []string
		want  Compression
		warn  string
	}{
		{[]string{"comp-lzo no"}, Compression{CompressLZONo, AllowStubOnly}, ""},
		{[]string{"comp-lzo"}, Compression{CompressLZO, AllowAsym}, "compression is deprecated"},
		{[]string{"compress lz4-v2", "allow-compression yes"}, Compression{CompressLZ4V2, AllowYes}, "VORACLE"},
		{[]string{"compress"}, Compression{CompressStub, AllowStubOnly}, ""},
		{[]string{"allow-compression no", "compress stub-v2"}, Compression{CompressStubV2, AllowNo}, ""},
	}
	for _, tt := range tests {
		p := mustParse(t, profileWith(t, tt.lines...))
		if p.Compression != tt.want {
			t.Errorf("%q: compression = %+v, want %+v", tt.lines, p.Compression, tt.want)
		}
		if tt.warn != "" && !hasWarning(p, tt.warn) {
			t.Errorf("%q: no warning %q in %v", tt.lines, tt.warn, p.Warnings)
		}
	}
	p := mustParse(t, profileWith(t, "ping 15", "ping-restart 90", "hand-window 30", "tls-timeout 5", "reneg-sec 600 300", "inactive 3600 1000000", "reneg-bytes 1000"))
	want := Timers{Ping: 15 * time.Second, PingRestart: 90 * time.Second, RenegInterval: 600 * time.Second, RenegMinInterval: 300 * time.Second,
		RenegBytes: 1000, HandWindow: 30 * time.Second, TLSTimeout: 5 * time.Second, Inactive: time.Hour, InactiveBytes: 1000000}
	if p.Timers != want {
		t.Errorf("timers = %+v", p.Timers)
	}
	d := mustParse(t, profileWith(t))
	if d.Timers != (Timers{RenegInterval: time.Hour, HandWindow: time.Minute, TLSTimeout: 2 * time.Second}) {
		t.Errorf("default timers = %+v", d.Timers)
	}
}

func TestStaticKeyParsing(t *testing.T) {
	good := readTestdata(t, "ta.key")
	hexBody := good[strings.Index(good, staticKeyHead)+len(staticKeyHead) : strings.Index(good, staticKeyFoot)]
	tests := []struct {
		name, text, bad string
	}{
		{"genkey output", good, ""},
		{"one line of hex", staticKeyHead + "\n" + strings.ReplaceAll(hexBody, "\n", "") + "\n" + staticKeyFoot + "\n", ""},
		{"no header", hexBody, "no -----BEGIN OpenVPN Static key V1----- line"},
		{"no footer", staticKeyHead + hexBody, "cut short"},
		{"short", staticKeyHead + "\n" + strings.Repeat("ab", 128) + "\n" + staticKeyFoot, "holds 128 bytes; an OpenVPN static key holds 256"},
		{"long", staticKeyHead + "\n" + strings.Repeat("ab", 300) + "\n" + staticKeyFoot, "more than 256 bytes"},
		{"odd", staticKeyHead + "\n" + strings.Repeat("ab", 255) + "a\n" + staticKeyFoot, "odd number"},
		{"junk", staticKeyHead + "\nzz\n" + staticKeyFoot, "unexpected character 'z'"},
	}
	for _, tt := range tests {
		key, bad := parseStaticKey(tt.text)
		switch {
		case tt.bad == "" && (bad != "" || len(key) != StaticKeySize):
			t.Errorf("%s: problem %q, %d bytes", tt.name, bad, len(key))
		case tt.bad != "" && !strings.Contains(bad, tt.bad):
			t.Errorf("%s: problem %q, want %q", tt.name, bad, tt.bad)
		}
	}
}
