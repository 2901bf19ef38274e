package profile

// Later lines win. OpenVPN keeps only the last value of a file-valued
// option and opens the file after the whole profile was read, so in
//
//	ca ca.crt
//	<ca>
//	...
//	</ca>
//
// ca.crt is never opened. Generators write profiles like this (a file line
// from a template, the inline block appended), so cvpn must not try to read
// the file either: a missing ca.crt would refuse a profile that works.

// replaceable are the file-valued directives where a later occurrence
// replaces an earlier one. peer-fingerprint adds up and <connection> blocks
// are separate entries, so neither is here.
var replaceable = map[string]bool{
	"ca": true, "cert": true, "key": true, "extra-certs": true, "pkcs12": true, "crl-verify": true,
	"tls-auth": true, "tls-crypt": true, "tls-crypt-v2": true, "auth-user-pass": true,
	"http-proxy-user-pass": true, "askpass": true,
}

// markReplaced sets replacedBy on every file reference that a later
// directive of the same name, in the same scope, replaces.
func markReplaced(ds []*directive) {
	last := map[string]*directive{}
	for i := len(ds) - 1; i >= 0; i-- {
		d := ds[i]
		if !replaceable[d.name] {
			continue
		}
		if later, ok := last[d.name]; ok && !d.inline && len(d.args) > 0 {
			d.replacedBy = later.line
			continue
		}
		if _, ok := last[d.name]; !ok {
			last[d.name] = d
		}
	}
}

// skipReplaced drops a replaced file reference from the stored profile,
// keeping what else the line said (a tls-auth key direction, as after).
func (p *parser) skipReplaced(d *directive, after ...string) {
	if !isInlineMarker(d.args[0]) {
		p.warnf(d.line, d.name, "the file %q is not read: line %d replaces it", printable(d.args[0]), d.replacedBy)
	}
	p.dropLine(d, after...)
}
