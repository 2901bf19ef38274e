package profile

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"
)

// crlProfile is a minimal profile whose <ca> is ca and whose <crl-verify>
// holds crl.
func crlProfile(ca *testCA, crl string) string {
	return strings.Join([]string{"client", "dev tun", "remote vpn.example.com 1194", "auth-user-pass",
		block("ca", ca.pem), block("crl-verify", crl)}, "\n") + "\n"
}

func TestProfileCRL(t *testing.T) {
	ca := newTestCA(t, "Provider CA", "ecdsa", caUsage)
	impostor := newTestCA(t, "Provider CA", "ecdsa", caUsage) // same name, other key
	other := newTestCA(t, "Someone Else", "ecdsa", caUsage)
	v1NoZ := crlPEM(crlSpec{this: "160101000000", next: "360101000000", revoked: bigs(5)}.build(t, ca))
	tests := []struct {
		name    string
		text    string
		errMsg  string // "" when the profile must load
		errFix  string
		warning string // a warning that must be present
		quiet   bool   // no crl-verify warning at all
	}{
		{name: "v1 CRL with UTCTime lacking Z", text: crlProfile(ca, v1NoZ), quiet: true},
		{name: "CRL next to junk", text: crlProfile(ca, "# from the provider\n"+v1NoZ), quiet: true},
		{name: "CRL that does not parse", text: crlProfile(ca, crlPEM([]byte{0x30, 0x03, 0x02, 0x01, 0x01})),
			errMsg: "the CRL does not parse", errFix: crlProviderFix},
		{name: "bad thisUpdate", text: crlProfile(ca, crlPEM(crlSpec{this: "1601"}.build(t, ca))),
			errMsg: "thisUpdate is not a time", errFix: crlProviderFix},
		{name: "no CRL block", text: crlProfile(ca, ca.pem), errMsg: "no -----BEGIN X509 CRL----- block", errFix: "check that the line points"},
		{name: "signed by another key", text: crlProfile(ca, crlPEM(crlSpec{this: "250101000000Z"}.build(t, impostor))),
			errMsg: "the CRL is not signed by the profile's CA", errFix: crlProviderFix},
		{name: "issuer not in <ca>", text: crlProfile(ca, crlPEM(crlSpec{this: "250101000000Z"}.build(t, other))),
			warning: `issued by "Someone Else", which is not a certificate in <ca>`},
		{name: "CA without a CRL", text: crlProfile(ca, crlPEM(crlSpec{this: "250101000000Z"}.build(t, other))),
			warning: `holds no CRL from the CA "Provider CA"`},
		{name: "expired CRL", text: crlProfile(ca, crlPEM(crlSpec{this: "150101000000Z", next: "160101000000Z"}.build(t, ca))),
			warning: "out of date since 2016-01-01 00:00 UTC"},
		{name: "CRL not yet valid", text: crlProfile(ca, crlPEM(crlSpec{this: "450101000000Z"}.build(t, ca))),
			warning: "not valid before 2045-01-01"},
		{name: "unhandled critical extension", text: crlProfile(ca, crlPEM(crlSpec{v2: true, this: "250101000000Z",
			exts: []pkix.Extension{crlExt(t, asn1.ObjectIdentifier{1, 2, 3}, true, 1)}}.build(t, ca))), warning: "critical extension (1.2.3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseText(tt.text)
			if tt.errMsg != "" {
				list := errorsOf(t, err)
				for _, e := range list {
					if strings.Contains(e.Msg, tt.errMsg) {
						if !strings.HasPrefix(e.Fix, tt.errFix) || e.Directive != "crl-verify" {
							t.Errorf("fix = %q, want %q", e.Fix, tt.errFix)
						}
						return
					}
				}
				t.Fatalf("errors %v lack %q", err, tt.errMsg)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.TLS.CRL) == 0 {
				t.Error("the CRL was not kept")
			}
			if tt.warning != "" && !hasWarning(p, tt.warning) {
				t.Errorf("no warning %q in %v", tt.warning, p.Warnings)
			}
			if tt.quiet && hasWarning(p, "crl-verify") {
				t.Errorf("unexpected warnings %v", p.Warnings)
			}
		})
	}
}

// TestParseCRLAcceptsWhatGoRefuses pins down the reason this reader
// exists: crypto/x509 refuses the CRL real profiles carry.
func TestParseCRLAcceptsWhatGoRefuses(t *testing.T) {
	ca := newTestCA(t, "Provider CA", "rsa", caUsage)
	der := crlSpec{alg: "rsa-sha256", this: "160101000000", next: "360101000000", revoked: bigs(2, 3)}.build(t, ca)
	if _, err := x509.ParseRevocationList(der); err == nil {
		t.Log("crypto/x509 now reads UTCTime without Z")
	}
	c, err := ParseCRL(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CheckSignatureFrom(ca.cert); err != nil {
		t.Fatal(err)
	}
}
