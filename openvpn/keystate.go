package openvpn

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/keymethod2"
	"github.com/cvpn/cvpn/openvpn/keys"
	"github.com/cvpn/cvpn/openvpn/packet"
	"github.com/cvpn/cvpn/openvpn/reliable"
)

// keyState is one key_id's control channel: the reliability layer, the
// byte-stream adapter crypto/tls runs over, and what the TLS goroutine
// learned once key-method 2 was done. The control goroutine owns every
// field except conn's buffers (locked) and tls (used by the TLS goroutine,
// and by the control goroutine only after the handshake).
type keyState struct {
	id      packet.KeyID
	resetOp packet.Opcode // our reset: hard (key 0) or soft
	ch      *reliable.Channel
	conn    *ctrlConn
	tls     *tls.Conn
	created time.Time

	// peerReset is set once the peer's reset (message 0) was delivered:
	// only then may TLS data go out, so that the first control packet
	// carries the ACK a 2.6 server needs before it keeps any state.
	peerReset bool

	// Set from the kmDone event.
	established bool
	estAt       time.Time
	source      keys.ClientSource
	server      *keymethod2.ServerMessage
	ekmOffered  bool
	state       tls.ConnectionState

	dc      *datachannel.Channel // installed data-channel key, if any
	scratch []byte
}

func newKeyState(id packet.KeyID, resetOp packet.Opcode, local packet.SessionID, cfg *reliable.Config, kick chan struct{}, now time.Time) *keyState {
	return &keyState{
		id:      id,
		resetOp: resetOp,
		ch:      reliable.NewChannel(id, local, cfg),
		conn:    newCtrlConn(kick),
		created: now,
	}
}

// start queues our reset, message 0 of this key state.
func (ks *keyState) start() error {
	if _, err := ks.ch.Queue(ks.resetOp, nil); err != nil {
		return fmt.Errorf("queue %v: %w", ks.resetOp, err)
	}
	return nil
}

// pump moves data between the reliability layer and the TLS stream, then
// returns the packets to transmit now, appended to dst. maxPayload gives
// the largest payload for an opcode (it depends on wrapping and tls-mtu).
func (ks *keyState) pump(now time.Time, maxPayload func(packet.Opcode) int, dst []packet.Control) ([]packet.Control, error) {
	for {
		m, ok := ks.ch.Next()
		if !ok {
			break
		}
		switch {
		case m.ID == 0:
			if !m.Opcode.IsHardReset() && m.Opcode != packet.OpSoftResetV1 {
				return dst, fmt.Errorf("key %d: peer's first message is %v, not a reset", ks.id, m.Opcode)
			}
			ks.peerReset = true
			if m.Opcode.IsHardReset() {
				en, err := packet.ParseEarlyNegotiation(m.Payload)
				if err != nil {
					return dst, fmt.Errorf("server reset: %w", err)
				}
				ks.ch.SetResendWKc(en.ResendWKc())
			}
		case m.Opcode == packet.OpControlV1 || m.Opcode == packet.OpControlWKCV1:
			ks.conn.deliver(m.Payload)
		default:
			// A reset after message 0 is a protocol error on the peer's
			// side; the reference ignores it too.
		}
	}
	if ks.peerReset {
		for ks.ch.Available() > 0 && ks.conn.pending() > 0 {
			op := packet.OpControlV1
			if ks.ch.NeedsWKc() {
				op = packet.OpControlWKCV1
			}
			n := maxPayload(op)
			if n <= 0 {
				return dst, errors.New("control packet: no room for payload within tls-mtu")
			}
			ks.scratch = ks.conn.take(ks.scratch, n)
			if _, err := ks.ch.Queue(packet.OpControlV1, ks.scratch); err != nil {
				return dst, fmt.Errorf("queue control message: %w", err)
			}
		}
	}
	return ks.ch.Poll(now, dst), nil
}

// tlsClient wraps a key state's stream in a TLS client. Each key state is
// a new TLS session; OpenVPN does not resume them.
func tlsClient(c *ctrlConn, cfg *tls.Config) *tls.Conn { return tls.Client(c, cfg) }

// close stops the TLS goroutine (its reads fail) and forgets key material.
func (ks *keyState) close() {
	_ = ks.conn.Close()
	ks.source.Zero()
	ks.dc = nil
}

// kmParams is what the client's key-method-2 message is built from.
type kmParams struct {
	options  string
	peerInfo keymethod2.PeerInfo // IV_PROTO without TLS_KEY_EXPORT: added if EKM works
	creds    *keymethod2.Credentials
	framing  keymethod2.Framing
	limits   keymethod2.Limits
	noEKM    bool               // Options.NoKeyExport
	timing   func(phase string) // Session.timing
}

type keyEventKind uint8

const (
	kmDone   keyEventKind = iota + 1 // handshake and key-method 2 finished
	kmRecord                         // one TLS record of control messages
	kmError                          // the TLS session failed
)

// keyEvent is what a TLS goroutine reports to the control goroutine.
type keyEvent struct {
	ks     *keyState
	kind   keyEventKind
	source keys.ClientSource
	server *keymethod2.ServerMessage
	state  tls.ConnectionState
	ekm    bool
	record []byte
	err    error
}

// maxRecord is the largest TLS record plaintext: one Read returns at most
// one record, which OpenVPN treats as one message (or several NUL-ended).
const maxRecord = 16 << 10

// runTLS is the TLS goroutine of one key state: handshake, key-method 2,
// then every record that arrives, as events. It returns when the
// connection fails or is closed (ks.close, at the end of the key state).
func (ks *keyState) runTLS(p kmParams, events chan<- keyEvent, done <-chan struct{}) {
	send := func(ev keyEvent) bool {
		ev.ks = ks
		select {
		case events <- ev:
			return true
		case <-done:
			return false
		}
	}
	fail := func(op string, err error) {
		send(keyEvent{kind: kmError, err: fmt.Errorf("%s: %w", op, err)})
	}
	tc := ks.tls
	if err := tc.Handshake(); err != nil {
		fail("tls handshake", err)
		return
	}
	cs := tc.ConnectionState()
	if ks.id == 0 && p.timing != nil {
		p.timing("tls")
	}
	src, err := keys.NewClientSource(rand.Reader)
	if err != nil {
		fail("key-method 2", err)
		return
	}
	pi := p.peerInfo
	ekm := !p.noEKM && keys.EKMAvailable(cs)
	if ekm {
		pi.Proto |= keymethod2.ProtoTLSKeyExport
	}
	info, err := pi.Build()
	if err != nil {
		fail("key-method 2", err)
		return
	}
	cm := keymethod2.ClientMessage{Source: src, Options: p.options, Credentials: p.creds, PeerInfo: info}
	msg, err := cm.Marshal(p.framing, p.limits)
	if err != nil {
		fail("key-method 2", err)
		return
	}
	_, err = tc.Write(msg)
	clear(msg)
	if err != nil {
		fail("send key-method 2", err)
		return
	}
	buf := make([]byte, maxRecord+512)
	n, err := tc.Read(buf)
	if err != nil {
		fail("read server key-method 2", err)
		return
	}
	sm, err := keymethod2.ParseServerMessage(buf[:n])
	if err != nil {
		fail("server key-method 2", err)
		return
	}
	if !send(keyEvent{kind: kmDone, source: src, server: sm, state: cs, ekm: ekm}) {
		return
	}
	for {
		n, err := tc.Read(buf)
		if err != nil {
			fail("read control channel", err)
			return
		}
		if !send(keyEvent{kind: kmRecord, record: append([]byte(nil), buf[:n]...)}) {
			return
		}
	}
}

// dataKeys derives this key state's data-channel key block, by TLS export
// when the server agreed to it, otherwise with OpenVPN's PRF.
func (ks *keyState) dataKeys(ekm bool, local, peer packet.SessionID) (keys.Material, error) {
	if ekm {
		return keys.FromExporter(ks.state.ExportKeyingMaterial)
	}
	return keys.DerivePRF(&ks.source, &ks.server.Source, keys.SessionID(local), keys.SessionID(peer)), nil
}
