package keymethod2

import (
	"strings"
	"testing"
)

// stock2614 is what Debian's openvpn 2.6.14 client sent (as logged by the
// server, "peer info: …") with setenv IV_GUI_VER "cvpn-test 1.0" and setenv
// IV_SSO openurl,webauth,crtext.
const stock2614 = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n" +
	"IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\n" +
	"IV_LZO_STUB=1\nIV_COMP_STUB=1\nIV_COMP_STUBv2=1\n" +
	"IV_GUI_VER=cvpn-test_1.0\nIV_SSO=openurl,webauth,crtext\n"

func TestPeerInfoMatchesStock(t *testing.T) {
	p := PeerInfo{
		Version: "2.6.14", Platform: "linux", TCPNonLinear: true, MTU: 1600,
		Ciphers:    DefaultDataCiphers,
		Proto:      BaseProto | ProtoTLSKeyExport | ProtoDynTLSCrypt,
		CompStubs:  true,
		GUIVersion: "cvpn-test 1.0",
		SSO:        []string{"openurl", "webauth", "crtext"},
	}
	got, err := p.Build()
	if err != nil {
		t.Fatal(err)
	}
	if got != stock2614 {
		t.Errorf("Build =\n%s\nwant\n%s", got, stock2614)
	}
}

func TestProtoBits(t *testing.T) {
	// The values from ssl.h; 990 is a stock 2.6 client's IV_PROTO.
	if got := BaseProto | ProtoTLSKeyExport | ProtoDynTLSCrypt; got != 990 {
		t.Errorf("stock set = %d, want 990", got)
	}
	bits := []ProtoFlags{ProtoDataV2, ProtoRequestPush, ProtoTLSKeyExport, ProtoAuthPendingKW, ProtoNCPP2P,
		ProtoDNSOption, ProtoCCExitNotify, ProtoAuthFailTemp, ProtoDynTLSCrypt}
	for i, b := range bits {
		if b != 1<<(i+1) {
			t.Errorf("bit %d = %d", i+1, b)
		}
	}
}

func TestPeerInfoBuild(t *testing.T) {
	tests := []struct {
		name    string
		p       PeerInfo
		want    string
		wantErr bool
	}{
		{name: "empty", p: PeerInfo{}, want: ""},
		{name: "no IV_NCP without both GCM ciphers", p: PeerInfo{Ciphers: []string{"AES-256-GCM", "CHACHA20-POLY1305"}},
			want: "IV_CIPHERS=AES-256-GCM:CHACHA20-POLY1305\n"},
		{name: "push-peer-info extras and user vars", p: PeerInfo{
			Version: "cvpn", PlatformVersion: "6.1.0", HWAddr: "00:11:22:33:44:55", SSLLibrary: "Go crypto/tls",
			UserVars: []Var{{"UV_ROLE", "dev ops"}, {"UV_X", "$(rm)`"}},
		}, want: "IV_VER=cvpn\nIV_HWADDR=00:11:22:33:44:55\nIV_SSL=Go_crypto/tls\nIV_PLAT_VER=6.1.0\nUV_ROLE=dev_ops\nUV_X=__rm)_\n"},
		{name: "proto without DATA_V2", p: PeerInfo{Proto: ProtoRequestPush}, wantErr: true},
		{name: "reserved bit", p: PeerInfo{Proto: ProtoDataV2 | 1}, wantErr: true},
		{name: "user var without prefix", p: PeerInfo{UserVars: []Var{{"ROLE", "x"}}}, wantErr: true},
		{name: "bad name", p: PeerInfo{UserVars: []Var{{"UV_A-B", "x"}}}, wantErr: true},
		{name: "line too long", p: PeerInfo{GUIVersion: strings.Repeat("x", 250)}, wantErr: true},
		{name: "newline injection", p: PeerInfo{GUIVersion: "1.0\nIV_PROTO=2"}, want: "IV_GUI_VER=1.0_IV_PROTO=2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.p.Build()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Build =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}
