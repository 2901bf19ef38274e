package profile

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Distinguished names, read leniently. A CRL's issuer is matched to a
// certificate's subject the way OpenSSL's X509_NAME_cmp does: byte for byte,
// or else by a canonical form where every string attribute is decoded, its
// ASCII letters lower-cased and its runs of white space folded to one.

const maxNameAttrs = 256

type nameAttr struct {
	oid   asn1.ObjectIdentifier
	text  string // decoded, when the value is a string type
	isStr bool
	raw   []byte // the whole value element otherwise
}

// walkName splits a DER Name into its RDNs; ok is false when it is not a
// well-formed Name.
func walkName(der []byte) (rdns [][]nameAttr, ok bool) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, false
	}
	n := 0
	for !seq.Empty() {
		var set cryptobyte.String
		if !seq.ReadASN1(&set, cbasn1.SET) {
			return nil, false
		}
		var rdn []nameAttr
		for !set.Empty() {
			if n++; n > maxNameAttrs {
				return nil, false
			}
			var atv, val cryptobyte.String
			var a nameAttr
			var tag cbasn1.Tag
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1ObjectIdentifier(&a.oid) {
				return nil, false
			}
			full := atv
			if !atv.ReadAnyASN1(&val, &tag) || !atv.Empty() {
				return nil, false
			}
			a.text, a.isStr = decodeString(tag, val)
			if !a.isStr {
				a.raw = full
			}
			rdn = append(rdn, a)
		}
		rdns = append(rdns, rdn)
	}
	return rdns, true
}

// decodeString turns an ASN.1 string value into UTF-8.
func decodeString(tag cbasn1.Tag, v []byte) (string, bool) {
	switch tag {
	case cbasn1.UTF8String, cbasn1.PrintableString, cbasn1.IA5String, 18 /* NumericString */, 26 /* VisibleString */ :
		if !utf8.Valid(v) {
			return "", false
		}
		return string(v), true
	case cbasn1.T61String: // read as Latin-1, as OpenSSL does
		r := make([]rune, len(v))
		for i, b := range v {
			r[i] = rune(b)
		}
		return string(r), true
	case 30: // BMPString, UTF-16BE
		if len(v)%2 != 0 {
			return "", false
		}
		u := make([]uint16, len(v)/2)
		for i := range u {
			u[i] = uint16(v[2*i])<<8 | uint16(v[2*i+1])
		}
		return string(utf16.Decode(u)), true
	case 28: // UniversalString, UTF-32BE
		if len(v)%4 != 0 {
			return "", false
		}
		var sb strings.Builder
		for i := 0; i < len(v); i += 4 {
			sb.WriteRune(rune(uint32(v[i])<<24 | uint32(v[i+1])<<16 | uint32(v[i+2])<<8 | uint32(v[i+3])))
		}
		return sb.String(), true
	}
	return "", false
}

// parseName fills a pkix.Name from DER, keeping whatever it can read.
func parseName(der []byte) pkix.Name {
	var name pkix.Name
	rdns, ok := walkName(der)
	if !ok {
		return name
	}
	seq := make(pkix.RDNSequence, 0, len(rdns))
	for _, rdn := range rdns {
		set := make([]pkix.AttributeTypeAndValue, 0, len(rdn))
		for _, a := range rdn {
			var v any = a.raw
			if a.isStr {
				v = a.text
			}
			set = append(set, pkix.AttributeTypeAndValue{Type: a.oid, Value: v})
		}
		seq = append(seq, set)
	}
	name.FillFromRDNSequence(&seq)
	return name
}

// canonicalName is OpenSSL's x509_name_canon in spirit: a string that is
// equal for two names OpenSSL considers equal.
func canonicalName(der []byte) (string, bool) {
	rdns, ok := walkName(der)
	if !ok {
		return "", false
	}
	var b strings.Builder
	for _, rdn := range rdns {
		b.WriteString("{")
		for _, a := range rdn {
			b.WriteString(a.oid.String())
			if a.isStr {
				b.WriteString("=s:")
				b.WriteString(foldString(a.text))
			} else {
				b.WriteString("=r:")
				b.Write(a.raw)
			}
			b.WriteString("\x00")
		}
		b.WriteString("}")
	}
	return b.String(), true
}

func foldString(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SameName reports whether two DER names are the same name, as OpenSSL
// compares them.
func SameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ca, ok1 := canonicalName(a)
	cb, ok2 := canonicalName(b)
	return ok1 && ok2 && ca == cb
}
