package profile

// removedOption is an option OpenVPN once had and has since dropped. A
// profile written for an old client still carries them; cvpn names them
// as removed (never as "unknown", which sends users looking for a typo),
// with the modern equivalent. Those that can make no difference to a
// connection are ignored with a warning; the rest are errors, as they are
// for a stock 2.6 client.
type removedOption struct {
	version string // the OpenVPN version that removed it
	ignore  bool   // harmless now: warn and carry on
	note    string // why it is harmless, or what replaced it
	fix     string // for errors: what to write instead
}

var removedOptions = map[string]removedOption{
	"ncp-disable": {version: "2.6", ignore: true,
		note: "cipher negotiation is always on and data-ciphers chooses the cipher"},
	"keysize": {version: "2.6", ignore: true,
		note: "it only set the key size of variable-key ciphers such as Blowfish, which cvpn does not use"},
	"prng": {version: "2.6", ignore: true,
		note: "the TLS library's random number generator is always used"},
	"compat-names": {version: "2.5", ignore: true,
		note: "it only changed the names given to scripts, which cvpn does not run"},
	"no-name-remapping": {version: "2.5", ignore: true,
		note: "it only changed the names given to scripts, which cvpn does not run"},
	"tls-remote": {version: "2.4",
		note: "verify-x509-name replaced it",
		fix:  "write `verify-x509-name NAME name` to check the server certificate's common name, or `verify-x509-name 'C=.., O=.., CN=..'` for its whole subject"},
	"no-iv": {version: "2.5",
		note: "it weakened the data channel's encryption",
		fix:  "remove the line; the server must not use no-iv either"},
	"key-method": {version: "2.5",
		note: "key method 2 is the only one left",
		fix:  "remove the line"},
	"ifconfig-pool-linear": {version: "2.5",
		note: "it was a server-side option, replaced by topology p2p",
		fix:  "remove the line"},
}

// removed handles a directive OpenVPN has dropped; it reports whether d was
// one.
func (p *parser) removed(d *directive) bool {
	r, ok := removedOptions[d.name]
	if !ok {
		return false
	}
	// key-method 2 asks for what is the only method anyway.
	ignore := r.ignore || (d.name == "key-method" && len(d.args) == 1 && d.args[0] == "2")
	if ignore {
		p.warnf(d.line, d.name, "removed in OpenVPN %s and ignored: %s", r.version, r.note)
		return true
	}
	p.errorf(d.line, d.name, "was removed in OpenVPN %s (%s)", r.fix, r.version, r.note)
	return true
}
