package keymethod2

import (
	"fmt"
	"strconv"
	"strings"
)

// ProtoFlags is the IV_PROTO bit field. Each bit is a promise to the server
// that changes what it sends; announce only what the engine implements
// (ssl.h: IV_PROTO_*).
type ProtoFlags uint32

const (
	// ProtoDataV2: we accept a pushed peer-id and send P_DATA_V2. Older
	// servers test "IV_PROTO >= 2" for this, so every other bit requires
	// it too (bit 0 is reserved for the same reason).
	ProtoDataV2 ProtoFlags = 1 << 1
	// ProtoRequestPush: the server may send PUSH_REPLY as soon as
	// authentication completes, before our PUSH_REQUEST. We must be ready
	// to accept a PUSH_REPLY at any time after key-method 2.
	ProtoRequestPush ProtoFlags = 1 << 2
	// ProtoTLSKeyExport: we can derive data keys by TLS keying-material
	// export. The server then pushes "key-derivation tls-ekm" or
	// "protocol-flags … tls-ekm" and uses exported keys; set it only after
	// keys.EKMAvailable confirmed the export works on this session.
	ProtoTLSKeyExport ProtoFlags = 1 << 3
	// ProtoAuthPendingKW: we parse keywords on AUTH_PENDING
	// ("AUTH_PENDING,timeout N"); without it the server sends a bare
	// AUTH_PENDING.
	ProtoAuthPendingKW ProtoFlags = 1 << 4
	// ProtoNCPP2P: peer-to-peer cipher negotiation. A client/server client
	// must not set it; a 2.6 server warns that the connection will fail.
	ProtoNCPP2P ProtoFlags = 1 << 5
	// ProtoDNSOption: we understand the 2.6 "dns" option, so servers (or
	// their scripts) may push "dns server …" and "dns search-domains …"
	// instead of dhcp-option; we must apply them.
	ProtoDNSOption ProtoFlags = 1 << 6
	// ProtoCCExitNotify: we handle "protocol-flags" and the EXIT control
	// message; the server pushes "protocol-flags cc-exit" and then expects
	// our exit notification on the control channel rather than as an OCC
	// data packet.
	ProtoCCExitNotify ProtoFlags = 1 << 7
	// ProtoAuthFailTemp: we handle AUTH_FAILED,TEMP[backoff N,advance …],
	// which must not be treated as a permanent failure.
	ProtoAuthFailTemp ProtoFlags = 1 << 8
	// ProtoDynTLSCrypt: every renegotiation (key_id > 0) will be wrapped
	// with tls-crypt keys exported from the TLS session, even without any
	// tls-auth/tls-crypt in the profile, once the server pushes
	// "protocol-flags … dyn-tls-crypt". Set it only when that is built.
	ProtoDynTLSCrypt ProtoFlags = 1 << 9
)

// BaseProto is what the cvpn engine can promise on any session: DATA_V2,
// REQUEST_PUSH, AUTH_PENDING_KW, DNS_OPTION, CC_EXIT_NOTIFY and
// AUTH_FAIL_TEMP. Add ProtoTLSKeyExport once EKM is known to work, and
// ProtoDynTLSCrypt once it is implemented (a stock 2.6 client sends 990, all
// of these plus both).
const BaseProto = ProtoDataV2 | ProtoRequestPush | ProtoAuthPendingKW |
	ProtoDNSOption | ProtoCCExitNotify | ProtoAuthFailTemp

// Var is one name=value pair of the peer-info block.
type Var struct {
	Name, Value string
}

// PeerInfo is the typed form of the IV_*/UV_* block a client sends
// (ssl.c:push_peer_info). Build writes the lines in 2.6's order.
type PeerInfo struct {
	// Version is IV_VER, the client version ("2.6.14" for a stock client).
	Version string
	// Platform is IV_PLAT: "linux", "win", "mac", "freebsd", ….
	Platform string
	// TCPNonLinear sets IV_TCPNL=1: we do not need strictly increasing
	// packet ids over TCP. 2.6 always sends it.
	TCPNonLinear bool
	// MTU is IV_MTU, the largest tun MTU we accept (2.6: tun-mtu-max,
	// at least 1600). Only when it is set does a 2.6 server push tun-mtu.
	MTU int
	// Ciphers is IV_CIPHERS, our data-ciphers. IV_NCP=2 is added when it
	// has both AES-128-GCM and AES-256-GCM, as 2.6 does.
	Ciphers []string
	// Proto is IV_PROTO.
	Proto ProtoFlags
	// CompStubs sends IV_LZO_STUB=1, IV_COMP_STUB=1, IV_COMP_STUBv2=1: we
	// accept the no-compression framings ("comp-lzo no", "compress stub",
	// "compress stub-v2"). 2.6 sends them unless compression is fully
	// disabled (DCO, or allow-compression no in older builds).
	CompStubs bool
	// HWAddr, SSLLibrary and PlatformVersion are IV_HWADDR, IV_SSL and
	// IV_PLAT_VER, which 2.6 sends only with --push-peer-info.
	HWAddr, SSLLibrary, PlatformVersion string
	// GUIVersion is IV_GUI_VER, e.g. "cvpn 1.0".
	GUIVersion string
	// SSO is IV_SSO: the pending-auth methods we handle ("webauth",
	// "openurl", "crtext").
	SSO []string
	// UserVars are the UV_* variables (setenv UV_…; 2.6 sends them only with
	// --push-peer-info). Names must start with "UV_".
	UserVars []Var
}

// maxPeerInfoLine is the longest line a 2.6 server parses whole
// (misc.c:output_peer_info_env reads into char line[256]).
const maxPeerInfoLine = 255

// Build returns the block: "NAME=VALUE\n" per variable. Values are made
// safe the way OpenVPN's environment handling does (the server replaces the
// same characters): control characters, white space, '$', '(' and '`'
// become '_'. Names must be letters, digits and '_'.
func (p PeerInfo) Build() (string, error) {
	const op = "build peer-info"
	if p.Proto != 0 && p.Proto&ProtoDataV2 == 0 {
		return "", fmt.Errorf("%s: IV_PROTO %d without the DATA_V2 bit", op, p.Proto)
	}
	if p.Proto&1 != 0 {
		return "", fmt.Errorf("%s: IV_PROTO bit 0 is reserved", op)
	}
	var vars []Var
	add := func(name, value string) { vars = append(vars, Var{name, value}) }
	if p.Version != "" {
		add("IV_VER", p.Version)
	}
	if p.Platform != "" {
		add("IV_PLAT", p.Platform)
	}
	if p.TCPNonLinear {
		add("IV_TCPNL", "1")
	}
	if p.MTU > 0 {
		add("IV_MTU", strconv.Itoa(p.MTU))
	}
	if hasCipher(p.Ciphers, "AES-128-GCM") && hasCipher(p.Ciphers, "AES-256-GCM") {
		add("IV_NCP", "2")
	}
	if len(p.Ciphers) > 0 {
		add("IV_CIPHERS", strings.Join(p.Ciphers, ":"))
	}
	if p.Proto != 0 {
		add("IV_PROTO", strconv.FormatUint(uint64(p.Proto), 10))
	}
	if p.CompStubs {
		add("IV_LZO_STUB", "1")
		add("IV_COMP_STUB", "1")
		add("IV_COMP_STUBv2", "1")
	}
	if p.HWAddr != "" {
		add("IV_HWADDR", p.HWAddr)
	}
	if p.SSLLibrary != "" {
		add("IV_SSL", p.SSLLibrary)
	}
	if p.PlatformVersion != "" {
		add("IV_PLAT_VER", p.PlatformVersion)
	}
	if p.GUIVersion != "" {
		add("IV_GUI_VER", p.GUIVersion)
	}
	if len(p.SSO) > 0 {
		add("IV_SSO", strings.Join(p.SSO, ","))
	}
	for _, v := range p.UserVars {
		if !strings.HasPrefix(v.Name, "UV_") {
			return "", fmt.Errorf("%s: user variable %q must start with UV_", op, v.Name)
		}
		add(v.Name, v.Value)
	}

	var sb strings.Builder
	for _, v := range vars {
		if !validName(v.Name) {
			return "", fmt.Errorf("%s: invalid variable name %q", op, v.Name)
		}
		line := v.Name + "=" + safeValue(v.Value)
		if len(line) > maxPeerInfoLine {
			return "", fmt.Errorf("%s: %s line is %d bytes, a 2.6 server reads %d: %w",
				op, v.Name, len(line), maxPeerInfoLine, ErrTooLong)
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	return sb.String(), nil
}

func hasCipher(list []string, name string) bool {
	for _, c := range list {
		if strings.EqualFold(c, name) {
			return true
		}
	}
	return false
}

// validName accepts what misc.c:validate_peer_info_line accepts before '='.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// safeValue replaces what the server would replace anyway, byte by byte
// (OpenVPN works on bytes, so a multi-byte character becomes several '_').
func safeValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c <= ' ' || c >= 0x7f || c == '$' || c == '(' || c == '`' {
			b[i] = '_'
		}
	}
	return string(b)
}
