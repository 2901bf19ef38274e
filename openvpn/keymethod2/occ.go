package keymethod2

import (
	"fmt"
	"strconv"
	"strings"
)

// Proto is the transport as the OCC string names it.
type Proto uint8

const (
	// ProtoUDP announces "UDPv4", for UDP over IPv4 and IPv6 alike
	// (socket.c:proto_remote).
	ProtoUDP Proto = iota
	// ProtoTCPClient announces "TCPv4_CLIENT".
	ProtoTCPClient
)

// KeyDirection is the profile's tls-auth direction ("key-direction", or the
// second argument of "tls-auth").
type KeyDirection uint8

const (
	KeyDirectionNone KeyDirection = iota // bidirectional; nothing announced
	KeyDirection0                        // announced as "keydir 0"
	KeyDirection1                        // announced as "keydir 1", the usual client side
)

// OCCCompression is what the profile's compression directive does to the OCC
// string and to link-mtu.
type OCCCompression uint8

const (
	// OCCCompressionNone: no comp-lzo or compress directive.
	OCCCompressionNone OCCCompression = iota
	// OCCCompressionV1: comp-lzo (any argument), compress, compress stub,
	// lz4 or lzo. Announces "comp-lzo" and adds its framing byte to
	// link-mtu.
	OCCCompressionV1
	// OCCCompressionV2: compress stub-v2 or lz4-v2. Announces "comp-lzo"
	// but adds nothing to link-mtu.
	OCCCompressionV2
)

// DefaultDataCiphers is OpenVPN 2.6's default data-ciphers list.
var DefaultDataCiphers = []string{"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"}

// OCC describes the profile settings that go into the OCC options string.
// The zero value is a 2.6 client's default: tun, UDP, tun-mtu 1500, no
// cipher line, auth SHA1.
type OCC struct {
	// DevType is "tun" (the default when empty) or "tap".
	DevType string
	// TunMTU is "tun-mtu" (default 1500); OCCMTU its optional second
	// argument, announced instead when set.
	TunMTU, OCCMTU int
	Proto          Proto
	// Cipher is the profile's "cipher" line. Empty means OpenVPN's
	// placeholder BF-CBC, which is never announced.
	Cipher string
	// DataCiphers is "data-ciphers"; nil means DefaultDataCiphers. The
	// cipher is announced only if it is in this list.
	DataCiphers []string
	// Auth is the profile's "auth" line; empty means SHA1.
	Auth         string
	KeyDirection KeyDirection
	// TLSAuth: the profile uses tls-auth (tls-crypt is not announced).
	TLSAuth     bool
	Compression OCCCompression
	// Fragment: the profile sets "fragment".
	Fragment bool
}

// cipherInfo is what the OCC string needs to know about a data cipher
// (OpenSSL's numbers, as OpenVPN reads them).
type cipherInfo struct {
	name    string // OpenVPN's spelling
	keyBits int
	ivLen   int
	// blockLen is the block size OpenVPN reports: for GCM it looks up the
	// CBC variant (16), for ChaCha20-Poly1305 there is none (1).
	blockLen int
	aead     bool
	cbc      bool
}

var ciphers = map[string]cipherInfo{
	"AES-128-GCM":       {"AES-128-GCM", 128, 12, 16, true, false},
	"AES-192-GCM":       {"AES-192-GCM", 192, 12, 16, true, false},
	"AES-256-GCM":       {"AES-256-GCM", 256, 12, 16, true, false},
	"CHACHA20-POLY1305": {"CHACHA20-POLY1305", 256, 12, 1, true, false},
	"AES-128-CBC":       {"AES-128-CBC", 128, 16, 16, false, true},
	"AES-192-CBC":       {"AES-192-CBC", 192, 16, 16, false, true},
	"AES-256-CBC":       {"AES-256-CBC", 256, 16, 16, false, true},
	"NONE":              {"[null-cipher]", 0, 0, 0, false, false},
}

// digests maps a digest name (and OpenSSL 3's aliases) to OpenVPN's spelling
// and its output size.
var digests = map[string]struct {
	name string
	size int
}{
	"SHA1": {"SHA1", 20}, "SHA224": {"SHA224", 28}, "SHA2-224": {"SHA224", 28},
	"SHA256": {"SHA256", 32}, "SHA2-256": {"SHA256", 32},
	"SHA384": {"SHA384", 48}, "SHA2-384": {"SHA384", 48},
	"SHA512": {"SHA512", 64}, "SHA2-512": {"SHA512", 64},
	"MD5": {"MD5", 16}, "RIPEMD160": {"RIPEMD160", 20}, "RIPEMD-160": {"RIPEMD160", 20},
	"NONE": {"[null-digest]", 0},
}

// Build returns the options string a 2.6 client would send for these
// settings (options.c:options_string with remote = false), for example
//
//	V4,dev-type tun,link-mtu 1549,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-client
//
// link-mtu is computed the way 2.6 does for OCC (mtu.c:
// calc_options_string_link_mtu): tun-mtu plus the framing and crypto overhead
// an old peer would have added. 2.6 peers ignore it, and a mismatch anywhere
// is only a warning on a server without --opt-verify, but matching exactly
// keeps server logs clean.
func (o OCC) Build() (string, error) {
	const op = "build occ string"
	dev := o.DevType
	if dev == "" {
		dev = "tun"
	}
	if dev != "tun" && dev != "tap" {
		return "", fmt.Errorf("%s: dev-type %q: want tun or tap", op, dev)
	}
	tunMTU := o.TunMTU
	if tunMTU == 0 {
		tunMTU = 1500
	}
	if tunMTU < 0 || o.OCCMTU < 0 {
		return "", fmt.Errorf("%s: negative tun-mtu", op)
	}

	// BF-CBC is OpenVPN's placeholder when no cipher is configured: it is
	// costed as "none" plus 16 bytes and announced with keysize 128.
	cipherName := strings.ToUpper(o.Cipher)
	bf := cipherName == "" || cipherName == "BF-CBC"
	var c cipherInfo
	if !bf {
		var ok bool
		if c, ok = ciphers[cipherName]; !ok {
			return "", fmt.Errorf("%s: unsupported cipher %q", op, o.Cipher)
		}
	}
	authName := strings.ToUpper(o.Auth)
	if authName == "" {
		authName = "SHA1"
	}
	d, ok := digests[authName]
	if !ok {
		return "", fmt.Errorf("%s: unsupported auth %q", op, o.Auth)
	}
	if c.aead {
		d = digests["NONE"] // AEAD ciphers carry no HMAC
	}

	var sb strings.Builder
	sb.WriteString("V4,dev-type ")
	sb.WriteString(dev)
	sb.WriteString(",link-mtu ")
	sb.WriteString(strconv.Itoa(o.linkMTU(tunMTU, bf, c, d.size)))
	sb.WriteString(",tun-mtu ")
	if o.OCCMTU != 0 {
		sb.WriteString(strconv.Itoa(o.OCCMTU))
	} else {
		sb.WriteString(strconv.Itoa(tunMTU))
	}
	switch o.Proto {
	case ProtoUDP:
		sb.WriteString(",proto UDPv4")
	case ProtoTCPClient:
		sb.WriteString(",proto TCPv4_CLIENT")
	default:
		return "", fmt.Errorf("%s: unknown proto %d", op, o.Proto)
	}
	if o.Compression != OCCCompressionNone {
		sb.WriteString(",comp-lzo")
	}
	if o.Fragment {
		sb.WriteString(",mtu-dynamic")
	}
	switch o.KeyDirection {
	case KeyDirectionNone:
	case KeyDirection0:
		sb.WriteString(",keydir 0")
	case KeyDirection1:
		sb.WriteString(",keydir 1")
	default:
		return "", fmt.Errorf("%s: unknown key direction %d", op, o.KeyDirection)
	}
	keysize := 128
	if !bf {
		keysize = c.keyBits
		if o.announces(c.name) {
			sb.WriteString(",cipher ")
			sb.WriteString(c.name)
		}
	}
	sb.WriteString(",auth ")
	sb.WriteString(d.name)
	sb.WriteString(",keysize ")
	sb.WriteString(strconv.Itoa(keysize))
	if o.TLSAuth {
		sb.WriteString(",tls-auth")
	}
	sb.WriteString(",key-method 2,tls-client")
	return sb.String(), nil
}

// announces reports whether the cipher is in data-ciphers.
func (o OCC) announces(name string) bool {
	list := o.DataCiphers
	if list == nil {
		list = DefaultDataCiphers
	}
	for _, c := range list {
		if strings.EqualFold(c, name) {
			return true
		}
	}
	return false
}

// linkMTU mirrors frame_calculate_payload_size plus
// frame_calculate_protocol_header_size(occ = true) for a TLS client that has
// no peer-id yet.
func (o OCC) linkMTU(tunMTU int, bf bool, c cipherInfo, mdSize int) int {
	const packetID = 4 // short form: TLS mode, no CFB/OFB ciphers
	payload := tunMTU
	if o.DevType == "tap" {
		payload += 32 // the Ethernet header room (TAP_MTU_EXTRA_DEFAULT)
	}
	if o.Compression == OCCCompressionV1 {
		payload++
	}
	if o.Fragment {
		payload += 4
	}
	if c.cbc {
		payload += packetID // CBC encrypts the packet id with the payload
	}

	header := 1 // opcode; a pushed peer-id would make it 4, but not yet
	if o.Proto == ProtoTCPClient {
		header += 2
	}
	if bf {
		header += 8 + 8 // BF-CBC's block and IV, added by hand in 2.6
	}
	if !c.cbc {
		header += packetID
	}
	switch {
	case c.aead:
		header += 16 + c.ivLen + c.blockLen // tag, and what old peers counted
	case c.cbc:
		header += c.blockLen + c.ivLen + mdSize
	default:
		header += mdSize
	}
	return payload + header
}
