package profile

import (
	"crypto/tls"
	"strings"
)

// tls-cipher takes an OpenSSL cipher string: names in OpenSSL's spelling
// (ECDHE-RSA-AES256-GCM-SHA384), OpenVPN's IANA spelling
// (TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384), and OpenSSL keywords and
// operators (DEFAULT, HIGH, !aNULL, @SECLEVEL=0). It only restricts TLS 1.2
// and below. cvpn maps the names to the suites Go's TLS implements; a list
// that adds ciphers by keyword, or names none cvpn has, leaves Go's defaults
// in place rather than failing a connection that TLS 1.3 would carry anyway.

// opensslSuiteNames are OpenSSL's names for the suites crypto/tls has.
var opensslSuiteNames = map[string]uint16{
	"ECDHE-RSA-AES128-GCM-SHA256":   tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-RSA-AES256-GCM-SHA384":   tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-ECDSA-AES128-GCM-SHA256": tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	"ECDHE-ECDSA-AES256-GCM-SHA384": tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	"ECDHE-RSA-CHACHA20-POLY1305":   tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-ECDSA-CHACHA20-POLY1305": tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	"ECDHE-RSA-AES128-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	"ECDHE-RSA-AES256-SHA":          tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	"ECDHE-ECDSA-AES128-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	"ECDHE-ECDSA-AES256-SHA":        tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	"ECDHE-RSA-AES128-SHA256":       tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	"ECDHE-ECDSA-AES128-SHA256":     tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	"AES128-GCM-SHA256":             tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	"AES256-GCM-SHA384":             tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
	"AES128-SHA256":                 tls.TLS_RSA_WITH_AES_128_CBC_SHA256,
	"AES128-SHA":                    tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	"AES256-SHA":                    tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

// tlsSuiteByName indexes every suite crypto/tls implements under its IANA
// name, with _ or - between words, and under its OpenSSL name.
var tlsSuiteByName = func() map[string]uint16 {
	m := map[string]uint16{}
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, s := range list {
			m[s.Name] = s.ID
			m[strings.ReplaceAll(s.Name, "_", "-")] = s.ID
		}
	}
	for n, id := range opensslSuiteNames {
		m[n] = id
	}
	return m
}()

// resolveTLSCiphers maps a tls-cipher string to suite IDs. ids is nil when
// Go's defaults should stay: the list adds ciphers by keyword, or names
// none that crypto/tls has. unknown are the names left out.
func resolveTLSCiphers(list string) (ids []uint16, unknown []string, byKeyword bool) {
	for _, name := range strings.Split(list, ":") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
		case strings.HasPrefix(name, "!") || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "+") || strings.HasPrefix(name, "@"):
			// Removals, reordering and security levels only narrow or sort.
		default:
			if id, ok := tlsSuiteByName[name]; ok {
				ids = append(ids, id)
			} else if isCipherKeyword(name) {
				byKeyword = true
			} else {
				unknown = append(unknown, name)
			}
		}
	}
	if byKeyword {
		return nil, unknown, true
	}
	return ids, unknown, false
}

// isCipherKeyword reports OpenSSL's group names, which stand for many
// ciphers (DEFAULT, HIGH, ALL, ECDHE+AESGCM, kEECDH...).
func isCipherKeyword(s string) bool {
	if strings.Contains(s, "+") {
		return true
	}
	switch strings.ToUpper(s) {
	case "DEFAULT", "ALL", "COMPLEMENTOFDEFAULT", "COMPLEMENTOFALL", "HIGH", "MEDIUM", "LOW", "SECURE128", "SECURE192",
		"SUITEB128", "SUITEB192", "AESGCM", "AES", "AES128", "AES256", "CHACHA20", "ECDHE", "EECDH", "KEECDH", "ECDSA", "RSA", "SHA256", "SHA384":
		return true
	}
	return false
}
