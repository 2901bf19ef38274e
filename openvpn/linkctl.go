package openvpn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/packet"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/openvpn/tlswrap"
	"github.com/cvpn/cvpn/openvpn/transport"
	"github.com/cvpn/cvpn/profile"
)

// handleControl authenticates one received control packet and hands it to
// its key state. Packets that fail to unwrap, or belong to another
// session, are dropped: a forged packet must not end the connection.
func (l *link) handleControl(wire []byte, now time.Time) error {
	p := &l.rxPkt
	if err := tlswrap.Decode(l.wrap, wire, p); err != nil {
		l.s.debugf.printf("drop control packet: %v", err)
		return nil
	}
	l.s.debugf.printf("recv %v", p)
	if l.peer.IsZero() {
		if p.Opcode != packet.OpHardResetServerV2 || p.KeyID != 0 {
			return nil
		}
		l.peer = p.SessionID
		l.keys[0].ch.SetRemoteSessionID(l.peer)
		l.s.timing("reset")
		l.s.setState(StateHandshake, StateChange{Detail: "tls with " + l.addr.String(), Remote: l.addr, Proto: l.remote.Proto.String(), Attempt: l.attempt})
	} else if p.SessionID != l.peer {
		l.s.debugf.printf("drop control packet from session %v", p.SessionID)
		return nil
	}
	ks := l.keys[p.KeyID]
	if p.Opcode == packet.OpSoftResetV1 && ks == nil {
		if why := l.unexpectedSoftReset(p.KeyID); why != "" {
			l.ignoreSoftReset(p.KeyID, why, now)
			return nil
		}
		// The server renegotiates (reneg-sec, reneg-bytes, …).
		l.s.logf.printf("server renegotiates: key %d", p.KeyID)
		var err error
		if ks, err = l.newKey(p.KeyID, packet.OpSoftResetV1, now); err != nil {
			return err
		}
	}
	if ks == nil {
		l.s.debugf.printf("drop %v for unknown key %d", p.Opcode, p.KeyID)
		return nil
	}
	if _, err := ks.ch.Receive(p); err != nil {
		l.s.debugf.printf("drop control packet: %v", err)
		return nil
	}
	l.lastRecv.Store(l.s.now())
	return nil
}

// unexpectedSoftReset says why a server's P_CONTROL_SOFT_RESET_V1 for a
// key id with no key state must not open one, or "" if it may. Both sides
// number key states alike (1..7 after 0, wrapping to 1), so a server that
// renegotiates asks for the key id after our newest one, and only once that
// one is established; 2.6 checks the same (ssl.c: a soft reset is honoured
// only when the primary key is done, and the key id must then be the one
// the client expects). Anything else is forged, or from a server out of
// step, and opening a key state for it would only fail a renegotiation
// nobody asked for and force a reconnect.
func (l *link) unexpectedSoftReset(id packet.KeyID) string {
	switch {
	case !l.connected:
		return "the tunnel is not up yet"
	case l.primary == nil:
		return "no key is established yet"
	case !l.primary.established:
		return fmt.Sprintf("key %d is still being negotiated", l.primary.id)
	case id != nextKeyID(l.primary.id):
		return fmt.Sprintf("the next key is %d", nextKeyID(l.primary.id))
	}
	return ""
}

// ignoreSoftReset counts a refused soft reset and logs it, every one at
// debug level and a rate-limited summary at the normal level.
func (l *link) ignoreSoftReset(id packet.KeyID, why string, now time.Time) {
	l.s.ctrl.ignoredResets.Add(1)
	l.s.debugf.printf("ignored SOFT_RESET for key %d: %s", id, why)
	if ok, held := l.s.ctrl.resetLog.allow(now); ok {
		more := ""
		if held > 0 {
			more = fmt.Sprintf(" (%d more since the last report)", held)
		}
		l.s.logf.printf("ignored the server's SOFT_RESET for key %d: %s; a forged or stray packet, or a server out of step%s", id, why, more)
	}
}

// handleKeyEvent acts on what a TLS goroutine reports.
func (l *link) handleKeyEvent(ctx context.Context, ev keyEvent, now time.Time) error {
	ks := ev.ks
	if l.keys[ks.id] != ks {
		return nil // from a key state already retired
	}
	switch ev.kind {
	case kmError:
		if !ks.established {
			if ks.id == 0 {
				return classifyTLSError(ev.err)
			}
			return fmt.Errorf("renegotiation of key %d: %w", ks.id, ev.err)
		}
		if !l.connected {
			return ev.err
		}
		l.s.debugf.printf("key %d: %v", ks.id, ev.err)
	case kmDone:
		ks.established, ks.estAt = true, now
		ks.source, ks.server, ks.state, ks.ekmOffered = ev.source, ev.server, ev.state, ev.ekm
		l.s.debugf.printf("key %d: key-method 2 done (%s, ekm offered: %v)", ks.id, tlsVersionName(ev.state.Version), ev.ekm)
		if !l.connected {
			l.s.timing("key-method-2")
			l.pushing = true
			l.nextPush = now
			l.pushUntil = now.Add(l.handWindow())
			if l.sentCreds {
				l.s.setState(StateAuthenticating, StateChange{Detail: "credentials sent", Remote: l.addr})
			} else {
				l.s.setState(StateGettingConfig, StateChange{Detail: "waiting for PUSH_REPLY", Remote: l.addr})
			}
			return nil
		}
		return l.activate(ks, now)
	case kmRecord:
		for _, m := range push.ParseRecord(ev.record) {
			if err := l.handleMessage(ctx, m, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// handleMessage acts on one control message from the server.
func (l *link) handleMessage(ctx context.Context, m push.Message, now time.Time) error {
	switch m := m.(type) {
	case *push.PushReply:
		l.s.debugf.printf("received %v", m)
		opts, err := l.acc.Add(m)
		if opts == nil {
			return err // nil while more parts are due
		}
		if err != nil {
			l.s.warn("pushed options: %v", err)
		}
		for _, w := range opts.Warnings {
			l.s.warn("pushed options: %s", w)
		}
		if !l.connected {
			l.s.timing("push-reply")
			return l.establish(ctx, opts, now)
		}
		if opts.AuthToken != "" {
			l.s.auth.setToken(opts.AuthToken, opts.AuthTokenUser)
		}
	case *push.AuthFailed:
		switch m.Kind {
		case push.AuthFailChallenge:
			return &challengeError{m.Challenge}
		case push.AuthFailTemp:
			return &tempAuthError{m}
		}
		return &AuthError{Kind: m.Kind, Reason: m.Reason}
	case *push.AuthPending:
		timeout := m.Timeout
		if timeout <= 0 {
			timeout = l.handWindow()
		}
		l.pushUntil = now.Add(timeout)
		l.s.setState(StateAuthenticating, StateChange{Detail: "authentication pending", Remote: l.addr})
	case *push.Info:
		if m.Pre && (m.WebAuth != nil || m.CRText != nil) {
			return l.handleInfoPre(ctx, m, now)
		}
		l.s.logf.printf("server info: %s", m.Text)
		l.s.events.push(&Info{Time: now, Text: m.Text})
	case *push.Restart:
		return &restartError{m}
	case *push.Halt:
		return fatal(fmt.Errorf("%w: %s", ErrHalted, m.Message))
	case *push.Exit:
		return errServerExit
	default:
		l.s.debugf.printf("ignored control message %v", m)
	}
	return nil
}

// establish completes the connection once the PUSH_REPLY is in: agree on
// the data channel, derive key 0's keys, let the caller configure the
// device, then let traffic flow.
func (l *link) establish(ctx context.Context, opts *push.Options, now time.Time) error {
	l.pushing = false
	l.pushed = opts
	prof := l.s.prof
	ks := l.keys[0]
	if ks == nil || !ks.established {
		return errors.New("PUSH_REPLY before key-method 2")
	}
	cipher := opts.Cipher
	if cipher == "" {
		cipher = prof.Data.Fallback
	}
	if cipher == "" {
		return fatal(fmt.Errorf("%w: the server pushed no cipher and the profile has no data-ciphers-fallback; add the server's cipher as data-ciphers-fallback", ErrNegotiation))
	}
	comp, err := compression(opts, prof)
	if err != nil {
		return fatal(fmt.Errorf("%w: %v", ErrNegotiation, err))
	}
	l.dc = datachannel.Config{Cipher: cipher, Auth: prof.Data.Digest, UsePeerID: opts.HasPeerID, PeerID: opts.PeerID, Compression: comp}
	l.ekm = opts.ProtocolFlags&push.FlagTLSEKM != 0
	if l.ekm && !ks.ekmOffered {
		return fatal(fmt.Errorf("%w: the server wants tls-ekm key derivation, which this session did not offer", ErrNegotiation))
	}
	if prof.TLS.ForceKeyMaterialExport && !l.ekm {
		return fatal(fmt.Errorf("%w: the profile sets force-tls-key-material-export but the server did not agree to tls-ekm", ErrNegotiation))
	}
	if opts.Ping > 0 {
		l.ping = opts.Ping
	}
	if opts.PingTimeout > 0 {
		l.pingTimeout, l.pingExit = opts.PingTimeout, opts.PingTimeoutAction == push.PingExit
	}
	if opts.AuthToken != "" {
		l.s.auth.setToken(opts.AuthToken, opts.AuthTokenUser)
	}
	l.startSessionLife(opts.SessionTimeout, now)
	l.startLimits(now)
	dc, err := l.makeDC(ks)
	if err != nil {
		return fatal(fmt.Errorf("%w: %v", ErrNegotiation, err))
	}
	info := &ConnectionInfo{
		Remote: l.addr, Proto: l.remote.Proto.String(), Cipher: strings.ToUpper(cipher),
		KeyDerivation: "prf", IPv4: opts.IPv4.Address, IPv6: opts.IPv6.Address,
		TLSVersion: tlsVersionName(ks.state.Version),
	}
	if l.ekm {
		info.KeyDerivation = "tls-ekm"
	}
	if l.s.State() == StateAuthenticating {
		l.s.setState(StateGettingConfig, StateChange{Detail: "credentials accepted", Remote: l.addr})
	}
	if f := l.s.opts.Configure; f != nil {
		if err := f(ctx, opts, Link{Remote: l.addr, Proto: l.remote.Proto, Host: l.host}); err != nil {
			return fatal(fmt.Errorf("configure the tunnel: %w", err))
		}
		l.s.timing("configured")
	}
	l.install(ks, dc, now)
	tx := l.s.tx.Load()
	l.s.logf.printf("data channel %s, keys by %s, %s, peer-id %v, mssfix %d/%d", info.Cipher, info.KeyDerivation, info.TLSVersion, opts.HasPeerID, tx.mss4, tx.mss6)
	l.connected = true
	l.lastRecv.Store(l.s.now())
	l.s.lastSend.Store(l.s.now())
	l.s.auth.connected()
	l.s.timing("tunnel-up")
	l.s.setState(StateConnected, StateChange{Remote: l.addr, Proto: info.Proto, Attempt: l.attempt, Connection: info,
		Detail: fmt.Sprintf("%v via %v/%s %s", info.IPv4.Addr(), l.addr, info.Proto, info.Cipher)})
	return nil
}

// activate installs a renegotiated key: it becomes the sending key at
// once, and the previous one becomes the lame duck.
func (l *link) activate(ks *keyState, now time.Time) error {
	dc, err := l.makeDC(ks)
	if err != nil {
		return fmt.Errorf("renegotiation of key %d: %w", ks.id, err)
	}
	l.install(ks, dc, now)
	l.s.cnt.rekeys.Add(1)
	l.s.logf.printf("key %d active (%s)", ks.id, tlsVersionName(ks.state.Version))
	return nil
}

func (l *link) makeDC(ks *keyState) (*datachannel.Channel, error) {
	m, err := ks.dataKeys(l.ekm, l.local, l.peer)
	if err != nil {
		return nil, err
	}
	defer m.Zero()
	ks.source.Zero()
	cfg := l.dc
	cfg.KeyID = uint8(ks.id)
	cfg.Send, cfg.Recv = datachannel.Key(m.ClientSend()), datachannel.Key(m.ClientReceive())
	dc, err := datachannel.New(cfg)
	clear(cfg.Send.Cipher[:])
	clear(cfg.Send.HMAC[:])
	clear(cfg.Recv.Cipher[:])
	clear(cfg.Recv.HMAC[:])
	return dc, err
}

func (l *link) install(ks *keyState, dc *datachannel.Channel, now time.Time) {
	ks.dc = dc
	l.rx[ks.id].Store(dc)
	if old := l.active; old != nil && old != ks {
		if l.lame != nil {
			l.retire(l.lame)
		}
		l.lame, l.lameEnd = old, now.Add(transitionWindow)
	}
	l.active = ks
	tx := &txKey{dc: dc, conn: l.conn}
	tx.mss4, tx.mss6 = mssLimits(l.remote.MTU, dc.Overhead()+transport.HeaderOverhead(l.conn), l.conn.Proto() == transport.TCP, l.addr.Addr().Is6())
	l.s.tx.Store(tx)
}

// compression picks the data-channel framing: what the server pushed,
// else what the profile says.
func compression(opts *push.Options, prof *profile.Profile) (datachannel.Compression, error) {
	if opts.Compression.Directive != "" {
		if opts.Compression.Compressing && prof.Compression.Allow == profile.AllowNo {
			return 0, fmt.Errorf("the server pushed %s %s but the profile has allow-compression no", opts.Compression.Directive, opts.Compression.Algorithm)
		}
		switch opts.Compression.Framing {
		case push.CompFramingLZO:
			return datachannel.CompLZO, nil
		case push.CompFramingSwap:
			return datachannel.CompSwap, nil
		case push.CompFramingV2:
			return datachannel.CompV2, nil
		}
		return datachannel.CompNone, nil
	}
	switch prof.Compression.Mode {
	case profile.CompressLZONo, profile.CompressLZO:
		return datachannel.CompLZO, nil
	case profile.CompressStub, profile.CompressLZ4:
		return datachannel.CompSwap, nil
	case profile.CompressStubV2, profile.CompressLZ4V2:
		return datachannel.CompV2, nil
	}
	return datachannel.CompNone, nil
}

// classifyTLSError turns a failed first handshake into an error that says
// whose certificate was refused; both are fatal, as retrying cannot help.
func classifyTLSError(err error) error {
	if errors.Is(err, ErrServerCertificate) {
		return fatal(err)
	}
	s := err.Error()
	for _, alert := range []string{"bad certificate", "certificate revoked", "certificate expired",
		"unknown certificate authority", "certificate required", "unsupported certificate", "certificate unknown"} {
		if strings.Contains(s, "remote error: tls: "+alert) {
			return fatal(fmt.Errorf("%w (%s): ask the VPN administrator for a new profile", ErrClientCertificate, alert))
		}
	}
	return err
}
