package keymethod2

import "testing"

// TestOCCBuild compares with the "Local Options String" that Debian's
// openvpn 2.6.14 client logged (verb 7) for each profile fragment.
func TestOCCBuild(t *testing.T) {
	tests := []struct {
		profile string // the profile lines that differ from "client, dev tun"
		occ     OCC
		want    string
	}{
		{"proto udp", OCC{},
			"V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,key-method 2,tls-client"},
		{"proto udp, cipher AES-256-GCM (AWS profiles)", OCC{Cipher: "AES-256-GCM"},
			"V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-client"},
		{"proto tcp, cipher AES-256-GCM", OCC{Proto: ProtoTCPClient, Cipher: "aes-256-gcm"},
			"V4,dev-type tun,link-mtu 1551,tun-mtu 1500,proto TCPv4_CLIENT,cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-client"},
		{"cipher AES-256-CBC, auth SHA256 (not in data-ciphers)", OCC{Cipher: "AES-256-CBC", Auth: "SHA256"},
			"V4,dev-type tun,link-mtu 1569,tun-mtu 1500,proto UDPv4,auth SHA256,keysize 256,key-method 2,tls-client"},
		{"cipher AES-128-GCM, tls-auth ta.key 1", OCC{Cipher: "AES-128-GCM", KeyDirection: KeyDirection1, TLSAuth: true},
			"V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,keydir 1,cipher AES-128-GCM,auth [null-digest],keysize 128,tls-auth,key-method 2,tls-client"},
		{"inline tls-auth, key-direction 1", OCC{KeyDirection: KeyDirection1, TLSAuth: true},
			"V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,keydir 1,auth SHA1,keysize 128,tls-auth,key-method 2,tls-client"},
		{"tls-crypt (not announced)", OCC{},
			"V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,key-method 2,tls-client"},
		{"comp-lzo no", OCC{Compression: OCCCompressionV1},
			"V4,dev-type tun,link-mtu 1542,tun-mtu 1500,proto UDPv4,comp-lzo,auth SHA1,keysize 128,key-method 2,tls-client"},
		{"compress stub-v2", OCC{Compression: OCCCompressionV2},
			"V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,comp-lzo,auth SHA1,keysize 128,key-method 2,tls-client"},
		{"cipher CHACHA20-POLY1305", OCC{Cipher: "CHACHA20-POLY1305"},
			"V4,dev-type tun,link-mtu 1534,tun-mtu 1500,proto UDPv4,cipher CHACHA20-POLY1305,auth [null-digest],keysize 256,key-method 2,tls-client"},
		{"tun-mtu 1400", OCC{TunMTU: 1400},
			"V4,dev-type tun,link-mtu 1441,tun-mtu 1400,proto UDPv4,auth SHA1,keysize 128,key-method 2,tls-client"},
		{"proto udp6, cipher BF-CBC", OCC{Cipher: "BF-CBC"},
			"V4,dev-type tun,link-mtu 1541,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 128,key-method 2,tls-client"},
		{"cipher AES-256-GCM, data-ciphers AES-128-GCM", OCC{Cipher: "AES-256-GCM", DataCiphers: []string{"AES-128-GCM"}},
			"V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,auth [null-digest],keysize 256,key-method 2,tls-client"},
		{"fragment 1300", OCC{Fragment: true},
			"V4,dev-type tun,link-mtu 1545,tun-mtu 1500,proto UDPv4,mtu-dynamic,auth SHA1,keysize 128,key-method 2,tls-client"},
		{"auth SHA512", OCC{Auth: "sha2-512"},
			"V4,dev-type tun,link-mtu 1585,tun-mtu 1500,proto UDPv4,auth SHA512,keysize 128,key-method 2,tls-client"},
		{"cipher AES-256-CBC, data-ciphers AES-256-CBC", OCC{Cipher: "AES-256-CBC", DataCiphers: []string{"AES-256-CBC"}},
			"V4,dev-type tun,link-mtu 1557,tun-mtu 1500,proto UDPv4,cipher AES-256-CBC,auth SHA1,keysize 256,key-method 2,tls-client"},
		{"dev tap, tun-mtu 1500 1400, key-direction 0", OCC{DevType: "tap", TunMTU: 1500, OCCMTU: 1400, KeyDirection: KeyDirection0},
			"V4,dev-type tap,link-mtu 1573,tun-mtu 1400,proto UDPv4,keydir 0,auth SHA1,keysize 128,key-method 2,tls-client"},
		{"cipher none, data-ciphers none", OCC{Cipher: "none", DataCiphers: []string{"none"}},
			"V4,dev-type tun,link-mtu 1525,tun-mtu 1500,proto UDPv4,auth SHA1,keysize 0,key-method 2,tls-client"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			got, err := tt.occ.Build()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Build =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestOCCBuildRejects(t *testing.T) {
	for _, bad := range []OCC{{Cipher: "CAMELLIA-128-CBC"}, {Auth: "WHIRLPOOL"}, {DevType: "null"}, {Proto: 9}, {KeyDirection: 5}, {TunMTU: -1}} {
		if s, err := bad.Build(); err == nil {
			t.Errorf("%+v: accepted, built %q", bad, s)
		}
	}
}
