package profile

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
)

// slotFor maps a PEM-valued directive to where it is kept until the end.
func (p *parser) slotFor(name string) *fileSlot {
	switch name {
	case "ca":
		return &p.ca
	case "cert":
		return &p.cert
	case "key":
		return &p.key
	case "extra-certs":
		return &p.extra
	case "pkcs12":
		return &p.pkcs12
	case "crl-verify":
		return &p.crl
	}
	return &p.userPass
}

// pemFile handles ca, cert, key, extra-certs, pkcs12 and crl-verify: read,
// check that the content is what the directive expects, keep it.
func (p *parser) pemFile(d *directive) {
	if d.name == "crl-verify" && !d.inline && len(d.args) == 2 {
		p.errorf(d.line, d.name, "a directory of CRLs is not supported", "put the CRL in a <crl-verify> block")
		return
	}
	data, placeholder, fromFile, ok := p.fileArg(d)
	if !ok {
		return
	}
	slot := p.slotFor(d.name)
	if placeholder {
		slot.put(d.line, nil, true)
		p.dropLine(d)
		return
	}
	problem := ""
	text := string(data)
	var certs []*x509.Certificate
	var pub crypto.PublicKey
	encrypted := false
	switch d.name {
	case "ca", "cert", "extra-certs":
		var skipped []string
		certs, skipped, problem = parseCerts(data)
		if len(skipped) > 0 {
			p.warnf(d.line, d.name, "skipped PEM blocks that are not certificates (%s)", printable(strings.Join(skipped, ", ")))
		}
	case "key":
		pub, encrypted, problem = parseKey(data)
	case "crl-verify":
		problem = checkCRL(data)
	case "pkcs12":
		data, problem = decodePKCS12(data, d.inline)
		if problem == "" {
			certs, encrypted, problem = checkPKCS12(data)
		}
		text = wrapBase64(data)
		if problem == "" && fromFile && len(text) > MaxFileSize {
			problem = "the file is too large to inline"
		}
	}
	if problem != "" {
		fix := "check that the line points at the right " + d.name + " content"
		if d.name == "crl-verify" {
			fix = crlFix(data, fix)
		}
		p.errorf(d.line, d.name, "%s", fix, problem)
		return
	}
	if fromFile && !p.inlineAs(d, d.name, text) {
		return
	}
	s := slot.put(d.line, data, false)
	s.certs, s.pub, s.encrypted = certs, pub, encrypted
}

func (p *parser) peerFingerprint(d *directive) {
	text := ""
	if d.inline {
		text = d.body
	} else {
		text = d.args[0]
	}
	fps, problem := parseFingerprints(text)
	if problem != "" {
		p.errorf(d.line, d.name, "%s", "write the server certificate's SHA-256 fingerprint as AB:CD:...", problem)
		return
	}
	if len(p.prof.TLS.PeerFingerprints)+len(fps) > maxListItems {
		p.errorf(d.line, d.name, "too many fingerprints", "keep the ones you use")
		return
	}
	p.prof.TLS.PeerFingerprints = append(p.prof.TLS.PeerFingerprints, fps...)
}

// wrapScope is where a wrapping key goes: the current <connection> block,
// or the global options that blocks without their own key inherit.
func (p *parser) wrapScope() *wrapSlots {
	if p.inBlock > 0 {
		return &p.conn.wrap
	}
	return &p.globalWrap
}

func (p *parser) keyDirArg(d *directive, s string) (KeyDirection, bool) {
	switch s {
	case "0":
		return KeyDir0, true
	case "1":
		return KeyDir1, true
	}
	p.errorf(d.line, d.name, "unknown key direction %q", "use 0 or 1 (a client normally uses 1)", printable(s))
	return 0, false
}

func (p *parser) keyDirection(d *directive) {
	if kd, ok := p.keyDirArg(d, d.args[0]); ok {
		w := p.wrapScope()
		w.keyDir, w.keyDirLine = kd, d.line
	}
}

func (p *parser) tlsAuth(d *directive) {
	w := p.wrapScope()
	var after []string
	if p.inBlock > 0 {
		// OpenVPN resets the direction of a block at each tls-auth.
		if w.keyDir != KeyDirBidirectional && (d.inline || len(d.args) < 2) {
			p.warnf(d.line, d.name, "resets the key-direction set on line %d to bidirectional, as OpenVPN does inside <connection>; put key-direction after this line", w.keyDirLine)
		}
		w.keyDir = KeyDirBidirectional
	}
	if !d.inline && len(d.args) > 1 {
		kd, ok := p.keyDirArg(d, d.args[1])
		if !ok {
			return
		}
		w.keyDir, w.keyDirLine = kd, d.line
		after = []string{"key-direction " + d.args[1]}
	}
	if d.replacedBy > 0 {
		p.skipReplaced(d, after...)
		return
	}
	p.staticKeyFile(d, &w.auth, after)
}

func (p *parser) tlsCrypt(d *directive) {
	p.staticKeyFile(d, &p.wrapScope().crypt, nil)
}

// staticKeyFile reads a tls-auth or tls-crypt key into slot.
func (p *parser) staticKeyFile(d *directive, slot *fileSlot, after []string) {
	data, placeholder, fromFile, ok := p.fileArg(d)
	if !ok {
		return
	}
	if placeholder {
		slot.put(d.line, nil, true)
		p.dropLine(d, after...)
		return
	}
	key, problem := parseStaticKey(string(data))
	if problem != "" {
		p.errorf(d.line, d.name, "%s", "generate a key with `openvpn --genkey secret ta.key` and use the same one as the server", problem)
		return
	}
	if fromFile && !p.inlineAs(d, d.name, string(data), after...) {
		return
	}
	slot.put(d.line, key, false)
}

func (p *parser) tlsCryptV2(d *directive) {
	if !d.inline && len(d.args) > 1 && d.args[1] != "force-cookie" && d.args[1] != "allow-noncookie" {
		p.errorf(d.line, d.name, "unknown flag %q", "use force-cookie, allow-noncookie or nothing", printable(d.args[1]))
		return
	}
	slot := &p.wrapScope().cryptV2
	data, placeholder, fromFile, ok := p.fileArg(d)
	if !ok {
		return
	}
	if placeholder {
		slot.put(d.line, nil, true)
		p.dropLine(d)
		return
	}
	key, problem := parseV2ClientKey(string(data))
	if problem != "" {
		p.errorf(d.line, d.name, "%s", "ask your VPN administrator for your tls-crypt-v2 client key", problem)
		return
	}
	if fromFile && !p.inlineAs(d, d.name, string(data)) {
		return
	}
	slot.put(d.line, key, false)
}

func (p *parser) remoteCertTLS(d *directive) {
	switch d.args[0] {
	case "server":
		p.prof.TLS.RemoteCertTLS = true
		if d.name == "ns-cert-type" {
			p.warnf(d.line, d.name, "deprecated; treated as `remote-cert-tls server`, which is what you want")
		}
	case "client":
		p.errorf(d.line, d.name, "checks that the server has a client certificate, which makes no sense in a client profile", "use `remote-cert-tls server`")
	default:
		p.errorf(d.line, d.name, "unknown value %q", "use `remote-cert-tls server`", printable(d.args[0]))
	}
}

func (p *parser) remoteCertKU(d *directive) {
	t := &p.prof.TLS
	t.RemoteCertKURequired = true
	t.RemoteCertKU = nil
	for _, a := range d.args {
		v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(a), "0x"), 16, 16)
		if err != nil {
			p.errorf(d.line, d.name, "%q is not a hex key usage value", "write values such as a0 or 88", printable(a))
			return
		}
		t.RemoteCertKU = append(t.RemoteCertKU, uint16(v))
	}
}

func (p *parser) verifyX509Name(d *directive) {
	v := &VerifyX509{Name: d.args[0]}
	if v.Name == "" {
		p.errorf(d.line, d.name, "the name is empty", "write the server certificate's name")
		return
	}
	if len(d.args) > 1 {
		switch d.args[1] {
		case "subject":
		case "name":
			v.Type = X509Name
		case "name-prefix":
			v.Type = X509NamePrefix
		default:
			p.errorf(d.line, d.name, "unknown name type %q", "use subject, name or name-prefix", printable(d.args[1]))
			return
		}
	}
	p.prof.TLS.VerifyX509 = v
}

var tlsVersions = map[string]uint16{
	"1.0": tls.VersionTLS10, "1.1": tls.VersionTLS11, "1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13,
}

func (p *parser) tlsVersion(d *directive) {
	v, known := tlsVersions[d.args[0]]
	orHighest := len(d.args) > 1 && d.args[1] == "or-highest"
	switch {
	case len(d.args) > 1 && !orHighest:
		p.errorf(d.line, d.name, "unknown flag %q", "only or-highest may follow the version", printable(d.args[1]))
		return
	case d.name == "tls-version-max" && len(d.args) > 1:
		p.errorf(d.line, d.name, "or-highest only applies to tls-version-min", "remove it")
		return
	case !known && !orHighest:
		p.errorf(d.line, d.name, "unknown TLS version %q", "use 1.2 or 1.3", printable(d.args[0]))
		return
	case !known:
		// OpenVPN: an unknown version with or-highest means the highest.
		v = tls.VersionTLS13
	}
	if d.name == "tls-version-max" {
		p.prof.TLS.VersionMax = v
		return
	}
	p.prof.TLS.VersionMin, p.prof.TLS.VersionMinOrHighest = v, orHighest
	p.tlsVerMinSet = true
}

func (p *parser) tlsString(d *directive) {
	t := &p.prof.TLS
	v := d.args[0]
	switch d.name {
	case "tls-cipher":
		ids, unknown, byKeyword := resolveTLSCiphers(v)
		t.Cipher, t.CipherSuites = v, ids
		switch {
		case len(ids) == 0 && !byKeyword:
			p.warnf(d.line, d.name, "names no TLS 1.2 cipher that cvpn has; cvpn offers its default TLS 1.2 ciphers instead (TLS 1.3 is not affected)")
		case len(unknown) > 0:
			p.warnf(d.line, d.name, "left out the ciphers cvpn does not have: %s", printable(strings.Join(unknown, ":")))
		}
	case "tls-ciphersuites":
		if problem := checkCiphersuites(v); problem != "" {
			p.errorf(d.line, d.name, "%s", "tls-ciphersuites takes TLS 1.3 suites, such as TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256; put TLS 1.2 ciphers in tls-cipher", problem)
			return
		}
		t.Ciphersuites = v
	case "tls-groups", "ecdh-curve":
		t.Groups = v
	case "tls-cert-profile":
		switch v {
		case "insecure", "legacy", "preferred", "suiteb":
			t.CertProfile = v
		default:
			p.errorf(d.line, d.name, "unknown profile %q", "use legacy, preferred or suiteb", printable(v))
		}
	}
}

// tls13Suites are the TLS 1.3 suite names OpenSSL knows.
var tls13Suites = map[string]bool{
	"TLS_AES_128_GCM_SHA256": true, "TLS_AES_256_GCM_SHA384": true, "TLS_CHACHA20_POLY1305_SHA256": true,
	"TLS_AES_128_CCM_SHA256": true, "TLS_AES_128_CCM_8_SHA256": true,
}

// checkCiphersuites refuses a tls-ciphersuites list with anything but TLS
// 1.3 suite names: OpenSSL fails to set such a list and OpenVPN 2.6 stops
// with "Failed to set restricted TLS 1.3 cipher list".
func checkCiphersuites(list string) string {
	for _, name := range strings.Split(list, ":") {
		switch {
		case tls13Suites[name]:
		case strings.Contains(name, "-") || strings.HasPrefix(name, "TLS_ECDHE_") || strings.HasPrefix(name, "TLS_RSA_") ||
			strings.HasPrefix(name, "TLS_DHE_") || strings.Contains(name, "_WITH_"):
			return fmt.Sprintf("%s is a TLS 1.2 cipher name, which tls-ciphersuites does not take", printable(name))
		default:
			return fmt.Sprintf("%s is not a TLS 1.3 cipher suite", printable(name))
		}
	}
	return ""
}

// dataCipherNames are the data-channel ciphers the cvpn engine implements,
// by lower-case name and OpenSSL alias.
var dataCipherNames = map[string]string{
	"aes-128-gcm": "AES-128-GCM", "aes-192-gcm": "AES-192-GCM", "aes-256-gcm": "AES-256-GCM",
	"id-aes128-gcm": "AES-128-GCM", "id-aes192-gcm": "AES-192-GCM", "id-aes256-gcm": "AES-256-GCM",
	"chacha20-poly1305": "CHACHA20-POLY1305",
	"aes-128-cbc":       "AES-128-CBC", "aes-192-cbc": "AES-192-CBC", "aes-256-cbc": "AES-256-CBC",
}

// defaultDataCiphers is OpenVPN 2.6's default data-ciphers.
var defaultDataCiphers = []string{"AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"}

func (p *parser) cipher(d *directive) {
	v := d.args[0]
	if strings.EqualFold(v, "none") {
		p.errorf(d.line, d.name, "turns off encryption, which cvpn never does", "remove the line")
		return
	}
	name, ok := dataCipherNames[strings.ToLower(v)]
	if d.name == "data-ciphers-fallback" {
		if !ok {
			p.errorf(d.line, d.name, "cipher %q is not supported by cvpn", "use AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305 or AES-256-CBC", printable(v))
			return
		}
		p.prof.Data.Fallback = name
		return
	}
	if !ok {
		// OpenVPN 2.6 ignores --cipher for negotiation, so an old cipher
		// here does not stop a connection to a current server.
		p.warnf(d.line, d.name, "cipher %s is not supported by cvpn; ignored (the server negotiates a cipher from data-ciphers)", printable(v))
		return
	}
	p.prof.Data.Cipher = name
	p.cipherLine = d.line
}

func (p *parser) dataCiphers(d *directive) {
	if d.name == "ncp-ciphers" {
		p.warnf(d.line, d.name, "renamed data-ciphers in OpenVPN 2.5")
	}
	var list []string
	for _, c := range strings.Split(d.args[0], ":") {
		optional := strings.HasPrefix(c, "?")
		c = strings.TrimPrefix(c, "?")
		if strings.EqualFold(c, "none") {
			p.errorf(d.line, d.name, "lists none, which turns off encryption; cvpn never does that", "remove none from the list")
			return
		}
		name, ok := dataCipherNames[strings.ToLower(c)]
		if !ok {
			if !optional && c != "" {
				p.warnf(d.line, d.name, "cipher %s is not supported by cvpn; left out", printable(c))
			}
			continue
		}
		if !contains(list, name) {
			list = append(list, name)
		}
	}
	if len(list) == 0 {
		p.errorf(d.line, d.name, "lists no cipher cvpn supports", "use AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305")
		return
	}
	p.prof.Data.Ciphers = list
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var digestNames = map[string]string{
	"sha1": "SHA1", "sha224": "SHA224", "sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512", "none": "none",
	"sha-1": "SHA1", "sha-256": "SHA256", "sha-384": "SHA384", "sha-512": "SHA512",
}

func (p *parser) authDigest(d *directive) {
	name, ok := digestNames[strings.ToLower(d.args[0])]
	if !ok {
		p.errorf(d.line, d.name, "digest %q is not supported by cvpn", "use SHA1, SHA256, SHA384 or SHA512 (the same as the server)", printable(d.args[0]))
		return
	}
	p.prof.Data.Digest = name
	p.digestLine = d.line
}
