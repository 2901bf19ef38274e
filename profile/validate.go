package profile

import (
	"crypto/tls"
	"strings"
	"time"
)

// finish runs once the whole file was read: it fills in what OpenVPN fills
// in after parsing (options_postprocess_*) and checks that the parts fit.
func (p *parser) finish() {
	p.checkDev()
	p.finishTLS()
	p.finishAuth()
	p.finishData()
	p.finishCompression()
	p.finishTimers()
	p.buildRemotes()
	p.finishProxy()
	if !p.prof.Pull {
		p.warnf(0, "", "neither client nor pull is set; cvpn always takes its addresses and routes from the server")
	}
}

// missing reports a placeholder ("ca [inline]") that no block filled.
func (p *parser) missing(s *fileSlot, name string) bool {
	if s.set && s.placeholder {
		p.errorf(s.line, name, "says the content is inline, but there is no <%s> block", "add the <"+name+"> ... </"+name+"> block to the profile", name)
		return true
	}
	return false
}

func (p *parser) finishTLS() {
	t := &p.prof.TLS
	for _, x := range []struct {
		slot *fileSlot
		name string
		dst  *[]byte
	}{
		{&p.ca, "ca", &t.CA}, {&p.cert, "cert", &t.Cert}, {&p.key, "key", &t.Key},
		{&p.extra, "extra-certs", &t.ExtraCerts}, {&p.pkcs12, "pkcs12", &t.PKCS12}, {&p.crl, "crl-verify", &t.CRL},
	} {
		if !p.missing(x.slot, x.name) {
			*x.dst = x.slot.data
		}
	}
	now := time.Now()
	if len(t.CA) == 0 && len(t.PeerFingerprints) == 0 {
		if !p.ca.set && len(t.PKCS12) == 0 {
			p.errorf(0, "ca", "the profile has no CA certificate, so cvpn cannot check that it talks to the real server",
				"add the server's CA certificate in a <ca> ... </ca> block")
		} else if !p.ca.set {
			// OpenVPN can take the CA from the pkcs12 bundle; the engine
			// does the same when it opens the bundle.
			p.pkcs12CA()
		}
	} else {
		for _, c := range p.ca.certs {
			if note := expiryNote("CA", c, now); note != "" {
				p.warnf(p.ca.line, "ca", "%s", note)
			}
		}
	}
	switch {
	case len(t.PKCS12) > 0 && (len(t.Cert) > 0 || len(t.Key) > 0):
		p.errorf(p.pkcs12.line, "pkcs12", "pkcs12 already holds the certificate and key, so cert and key must not be given too", "remove the cert and key lines, or the pkcs12 line")
	case len(t.Cert) > 0 && len(t.Key) == 0 && !p.key.set:
		p.errorf(p.cert.line, "cert", "a client certificate needs its private key", "add the key in a <key> ... </key> block")
	case len(t.Key) > 0 && len(t.Cert) == 0 && !p.cert.set:
		p.errorf(p.key.line, "key", "a private key needs its client certificate", "add the certificate in a <cert> ... </cert> block")
	case len(t.Cert) > 0 && len(t.Key) > 0 && len(p.cert.certs) > 0:
		// A protected key is matched once the engine decrypted it.
		if !p.key.encrypted && !samePublicKey(p.cert.certs[0], p.key.pub) {
			p.errorf(p.key.line, "key", "the private key does not belong to the certificate", "use the key that was generated with this certificate")
		}
		if note := expiryNote("client", p.cert.certs[0], now); note != "" {
			p.warnf(p.cert.line, "cert", "%s", note)
		}
	}
	p.finishCRL(now)
	p.finishProtected(now)
	if !p.tlsVerMinSet {
		t.VersionMin = tls.VersionTLS12
		if t.VersionMax != 0 && t.VersionMax < tls.VersionTLS12 {
			t.VersionMin = t.VersionMax
		}
	}
	if t.VersionMax != 0 && t.VersionMax < t.VersionMin && !t.VersionMinOrHighest {
		p.errorf(0, "tls-version-max", "is lower than tls-version-min", "raise tls-version-max or remove it")
	}
}

func (p *parser) finishAuth() {
	a := &p.prof.Auth
	if !p.missing(&p.userPass, "auth-user-pass") && p.userPass.data != nil {
		a.Username, a.Password, _ = splitUserPass(string(p.userPass.data))
	}
	hasCert := len(p.prof.TLS.PKCS12) > 0 || len(p.prof.TLS.Cert) > 0 || p.cert.set || p.pkcs12.set
	switch {
	case hasCert || a.UserPass || a.Federated:
	case p.isAWS():
		// AWS exports a mutual-authentication profile without the user's
		// certificate: the administrator hands that out separately.
		p.errorf(0, "", "this is an AWS Client VPN profile for certificate (mutual) authentication, and it holds no client certificate",
			"add the certificate and private key your administrator gave you: paste them into <cert> ... </cert> and <key> ... </key> blocks at the end of the file")
	default:
		p.errorf(0, "", "the profile has no way to sign in: no client certificate and no auth-user-pass",
			"add <cert> and <key> blocks (or pkcs12), or auth-user-pass")
	}
	switch {
	case a.Federated && !a.UserPass:
		p.warnf(0, "auth-federate", "without auth-user-pass; cvpn signs in with SAML anyway")
	case a.Federated && a.StaticChallenge != nil:
		p.warnf(p.challengeLine, "static-challenge", "ignored: auth-federate signs in through the browser")
	case a.StaticChallenge != nil && !a.UserPass:
		p.warnf(p.challengeLine, "static-challenge", "has no effect without auth-user-pass")
	}
}

// isAWS reports whether the profile connects to an AWS Client VPN
// endpoint: its remotes are *.clientvpn.REGION.amazonaws.com names.
func (p *parser) isAWS() bool {
	hosts := make([]string, 0, len(p.topRemotes)+len(p.blocks))
	for _, r := range p.topRemotes {
		hosts = append(hosts, r.host)
	}
	for _, b := range p.blocks {
		hosts = append(hosts, b.conn.remote.host)
	}
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if strings.Contains(h, ".clientvpn.") && (strings.HasSuffix(h, ".amazonaws.com") || strings.HasSuffix(h, ".amazonaws.com.cn")) {
			return true
		}
	}
	return false
}

func (p *parser) finishData() {
	d := &p.prof.Data
	if d.Ciphers == nil {
		d.Ciphers = append([]string(nil), defaultDataCiphers...)
	}
	if d.Cipher != "" && d.Fallback == "" && !contains(d.Ciphers, d.Cipher) {
		p.warnf(p.cipherLine, "cipher", "%s is not in data-ciphers, so OpenVPN 2.6 and cvpn ignore it when negotiating; add it to data-ciphers or use data-ciphers-fallback for an old server", d.Cipher)
	}
}

func nonStub(m CompressMode) bool {
	return m == CompressLZO || m == CompressLZ4 || m == CompressLZ4V2
}

func (p *parser) finishCompression() {
	c := &p.prof.Compression
	if !p.compSet {
		return
	}
	if !p.allowSet && nonStub(c.Mode) {
		// OpenVPN 2.6 with a compression option but no allow-compression
		// decompresses what arrives and compresses nothing.
		c.Allow = AllowAsym
	}
	if nonStub(c.Mode) {
		if c.Allow == AllowNo {
			p.errorf(p.compLine, "", "compression is on but allow-compression is no", "remove the compression line, or use `compress stub-v2` if the server needs framing")
			return
		}
		p.warnf(p.compLine, "", "compression is deprecated and has been used to break encryption; cvpn never compresses what it sends — ask for `compress stub-v2` or no compression on the server")
	}
}

func (p *parser) finishTimers() {
	if p.keepaliveLine == 0 {
		return
	}
	if p.pingLine != 0 {
		p.errorf(p.keepaliveLine, "keepalive", "conflicts with ping, ping-restart or ping-exit (line %d)", "keep either keepalive or the ping lines", p.pingLine)
		return
	}
	p.prof.Timers.Ping, p.prof.Timers.PingRestart = p.keepPing, p.keepRestart
}

// checkWrap validates one scope's wrapping keys and reports whether it may be
// used. OpenVPN refuses more than one kind in client mode.
func (p *parser) checkWrap(w *wrapSlots) bool {
	ok := !p.missing(&w.auth, "tls-auth")
	ok = !p.missing(&w.crypt, "tls-crypt") && ok
	ok = !p.missing(&w.cryptV2, "tls-crypt-v2") && ok
	n, last := 0, 0
	for _, s := range []*fileSlot{&w.auth, &w.crypt, &w.cryptV2} {
		if s.set {
			n++
			last = max(last, s.line)
		}
	}
	if n > 1 {
		p.errorf(last, "", "tls-auth, tls-crypt and tls-crypt-v2 exclude one another", "keep the one the server uses")
		return false
	}
	if w.auth.set && p.prof.Data.Digest == "none" {
		p.errorf(w.auth.line, "tls-auth", "needs an HMAC digest, but auth is none", "remove `auth none` or set the digest the server uses")
		return false
	}
	return ok
}

func (w *wrapSlots) wrap(digest string) Wrap {
	switch {
	case w.auth.set:
		return Wrap{Mode: WrapTLSAuth, Key: w.auth.data, KeyDirection: w.keyDir, Digest: digest}
	case w.crypt.set:
		return Wrap{Mode: WrapTLSCrypt, Key: w.crypt.data}
	case w.cryptV2.set:
		return Wrap{Mode: WrapTLSCryptV2, Key: w.cryptV2.data}
	}
	return Wrap{}
}

// buildRemotes turns blocks or top-level remote lines into Remotes, the way
// options_postprocess_mutate does: blocks win; top-level remotes take the
// connection options as they stand at the end of the file.
func (p *parser) buildRemotes() {
	globalOK := p.checkWrap(&p.globalWrap)
	if len(p.blocks) > 0 {
		if len(p.topRemotes) > 0 {
			p.warnf(p.topRemotes[0].line, "remote", "ignored: the profile has <connection> blocks, and OpenVPN then only uses those")
		}
		for i := range p.blocks {
			b := &p.blocks[i]
			if b.conn.wrap.any() && !p.checkWrap(&b.conn.wrap) {
				continue
			}
			if !b.conn.wrap.any() && !globalOK {
				continue
			}
			p.addRemote(&b.conn, *b.conn.remote, b.num)
		}
	} else {
		for _, rl := range p.topRemotes {
			c := p.top
			if rl.port != 0 {
				c.port = rl.port
			}
			if rl.protoSet {
				c.proto = rl.proto
				if rl.family != FamilyAny {
					c.family = rl.family
				}
			}
			if globalOK {
				p.addRemote(&c, rl, 0)
			}
		}
	}
	if len(p.blocks) == 0 && len(p.topRemotes) == 0 && !p.sawBlock && !p.sawRemote {
		p.errorf(0, "remote", "the profile names no server", "add `remote HOST [PORT] [udp|tcp]`")
		return
	}
	if p.protoForceSet {
		kept := p.prof.Remotes[:0]
		for _, r := range p.prof.Remotes {
			if r.Proto == p.protoForced {
				kept = append(kept, r)
			}
		}
		p.prof.Remotes = kept
		if len(kept) == 0 && len(p.errs) == 0 {
			p.errorf(0, "proto-force", "leaves no remote to connect to", "remove proto-force or add a remote with that protocol")
		}
	}
}

func (p *parser) addRemote(c *connState, rl remoteLine, block int) {
	w := &c.wrap
	if !w.any() {
		w = &p.globalWrap
	}
	r := Remote{
		Host: rl.host, Port: c.port, Proto: c.proto, Family: c.family, Line: rl.line, Block: block,
		LocalAddr: c.localAddr, LocalPort: c.localPort, Bind: c.bind, Float: c.float,
		ConnectRetry: c.retry, ConnectRetryMaxDelay: c.retryMax, ConnectTimeout: c.timeout,
		ExplicitExitNotify: c.exitNotify,
		MTU:                MTU{TunMTU: c.tunMTU, TLSMTU: c.tlsMTU},
		Wrap:               w.wrap(p.prof.Data.Digest),
		Proxy:              p.remoteProxy(c, c.proto),
	}
	if r.Proto == ProtoTCP {
		// OpenVPN ignores explicit-exit-notify over TCP: closing the
		// connection already tells the server.
		r.ExplicitExitNotify = 0
	}
	switch {
	case c.mssfixSet:
		r.MTU.MSSFix, r.MTU.MSSFixEncap, r.MTU.MSSFixFixed = c.mssfix, c.mssfixEncap, c.mssfixFixed
	case !c.tunMTUSet:
		r.MTU.MSSFix, r.MTU.MSSFixEncap = 1492, true // MSSFIX_DEFAULT
	default:
		// A custom tun-mtu without mssfix: clamp to the tunnel MTU itself.
		r.MTU.MSSFix, r.MTU.MSSFixFixed = c.tunMTU, true
	}
	p.prof.Remotes = append(p.prof.Remotes, r)
}
