package openvpn

import (
	"crypto/tls"
	"fmt"
	"runtime"
	"strings"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/keymethod2"
	"github.com/cvpn/cvpn/profile"
)

// peerInfoVersion is IV_VER. Servers key behaviour off the version, so we
// announce the 2.6 release whose protocol we implement.
const peerInfoVersion = "2.6.14"

// tunMTUMax is IV_MTU: like a stock 2.6 client we accept a pushed tun-mtu
// up to 1600.
const tunMTUMax = 1600

// kmParams builds what every key-method 2 of a connection to r announces:
// the OCC options string and the peer info. Credentials are added per key
// state.
func (s *Session) kmParams(r *profile.Remote) (kmParams, error) {
	p := s.prof
	occ := keymethod2.OCC{
		TunMTU:      r.MTU.TunMTU,
		Cipher:      p.Data.Cipher,
		DataCiphers: p.Data.Ciphers,
		Auth:        p.Data.Digest,
		Compression: occCompression(p.Compression.Mode),
	}
	if r.Proto == profile.ProtoTCP {
		occ.Proto = keymethod2.ProtoTCPClient
	}
	if r.Wrap.Mode == profile.WrapTLSAuth {
		occ.TLSAuth = true
		switch r.Wrap.KeyDirection {
		case profile.KeyDir0:
			occ.KeyDirection = keymethod2.KeyDirection0
		case profile.KeyDir1:
			occ.KeyDirection = keymethod2.KeyDirection1
		}
	}
	if occ.Cipher != "" && !supportedCipher(occ.Cipher) {
		occ.Cipher = "" // announced only when it could be used
	}
	options, err := occ.Build()
	if err != nil {
		return kmParams{}, err
	}
	var ciphers []string
	for _, c := range p.Data.Ciphers {
		if supportedCipher(c) {
			ciphers = append(ciphers, strings.ToUpper(c))
		}
	}
	if len(ciphers) == 0 && p.Data.Fallback == "" {
		return kmParams{}, fmt.Errorf("%w: none of data-ciphers %s is supported; use AES-256-GCM, AES-128-GCM or CHACHA20-POLY1305",
			ErrNegotiation, strings.Join(p.Data.Ciphers, ":"))
	}
	pi := keymethod2.PeerInfo{
		Version:      peerInfoVersion,
		Platform:     platform(),
		TCPNonLinear: true,
		MTU:          tunMTUMax,
		Ciphers:      ciphers,
		// TLS_KEY_EXPORT is added per key state once EKM was seen to
		// work; DYN_TLS_CRYPT is not implemented and never announced.
		Proto:      keymethod2.BaseProto,
		CompStubs:  p.Compression.Allow != profile.AllowNo,
		GUIVersion: s.opts.Version,
	}
	pi.SSO = ssoMethods(s.opts)
	if p.PushPeerInfo {
		for _, v := range p.PeerInfoVars() {
			pi.UserVars = append(pi.UserVars, keymethod2.Var{Name: v.Name, Value: v.Value})
		}
	}
	km := kmParams{options: options, peerInfo: pi, noEKM: s.opts.NoKeyExport, timing: s.timing}
	if p.Auth.Federated {
		km.framing = keymethod2.FramingAWS
	}
	return km, nil
}

func occCompression(m profile.CompressMode) keymethod2.OCCCompression {
	switch m {
	case profile.CompressNone:
		return keymethod2.OCCCompressionNone
	case profile.CompressStubV2, profile.CompressLZ4V2:
		return keymethod2.OCCCompressionV2
	}
	return keymethod2.OCCCompressionV1
}

// supportedCipher reports whether the data channel implements name.
func supportedCipher(name string) bool {
	_, err := datachannel.New(datachannel.Config{Cipher: name})
	return err == nil
}

// platform is IV_PLAT as a stock client spells it.
func platform() string {
	switch runtime.GOOS {
	case "windows":
		return "win"
	case "darwin":
		return "mac"
	}
	return runtime.GOOS
}

func tlsVersionName(v uint16) string {
	if v == 0 {
		return ""
	}
	return tls.VersionName(v)
}
