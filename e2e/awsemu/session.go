package awsemu

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/keymethod2"
	"github.com/cvpn/cvpn/openvpn/keys"
	"github.com/cvpn/cvpn/openvpn/packet"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/openvpn/reliable"
)

// session is one client session (key id 0 only: federated profiles set
// reneg-sec 0, and the tests are short).
type session struct {
	srv        *Server
	peer       netip.AddrPort
	csid, ssid packet.SessionID
	ch         *reliable.Channel // the control goroutine's
	conn       *stream
	tls        *tls.Conn
	peerReset  bool
	scratch    []byte
	created    time.Time

	dc     atomic.Pointer[datachannel.Channel]
	authed atomic.Bool

	mu       sync.Mutex
	deadline time.Time // SessionLimit's end, once signed in
	lastPing time.Time
	token    string
}

func newSession(s *Server, peer netip.AddrPort, csid packet.SessionID) *session {
	ssid, _ := packet.NewSessionID(nil)
	ss := &session{srv: s, peer: peer, csid: csid, ssid: ssid, conn: newStream(s.kick), created: time.Now()}
	ss.ch = reliable.NewChannel(0, ssid, nil)
	ss.ch.SetRemoteSessionID(csid)
	_, _ = ss.ch.Queue(packet.OpHardResetServerV2, nil)
	ss.tls = tls.Server(ss.conn, s.cfg.TLS)
	return ss
}

func (ss *session) close()         { _ = ss.conn.Close() }
func (ss *session) signedIn() bool { return ss.authed.Load() && ss.dc.Load() != nil }

// pump moves control messages between the reliability layer and TLS and
// returns the packets to send now.
func (ss *session) pump(now time.Time, dst []packet.Control) ([]packet.Control, error) {
	for {
		m, ok := ss.ch.Next()
		if !ok {
			break
		}
		switch {
		case m.ID == 0:
			if !m.Opcode.IsHardReset() {
				return dst, fmt.Errorf("first message is %v, not a reset", m.Opcode)
			}
			ss.peerReset = true
		case m.Opcode == packet.OpControlV1:
			ss.conn.deliver(m.Payload)
		}
	}
	if ss.peerReset {
		for ss.ch.Available() > 0 && ss.conn.pending() > 0 {
			ss.scratch = ss.conn.take(ss.scratch, maxPayload(packet.OpControlV1))
			if _, err := ss.ch.Queue(packet.OpControlV1, ss.scratch); err != nil {
				return dst, fmt.Errorf("queue control message: %w", err)
			}
		}
	}
	return ss.ch.Poll(now, dst), nil
}

// unsignedLife is how long a session that never signed in is kept: a
// phase-1 session ends with AUTH_FAILED, and its client goes away.
const unsignedLife = time.Minute

// expired reports whether the session's SessionLimit has passed.
func (ss *session) expired(now time.Time) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return !ss.deadline.IsZero() && now.After(ss.deadline)
}

// keepalive sends a ping every 10 s once signed in, as a server pushing
// "ping 10" does.
func (ss *session) keepalive(now time.Time) {
	if !ss.signedIn() {
		return
	}
	ss.mu.Lock()
	due := now.Sub(ss.lastPing) >= 10*time.Second
	if due {
		ss.lastPing = now
	}
	ss.mu.Unlock()
	if !due {
		return
	}
	buf := make([]byte, datachannel.Headroom+datachannel.PingSize+datachannel.Tailroom)
	n := datachannel.PutPing(buf[datachannel.Headroom:])
	if wire, err := ss.dc.Load().Seal(buf, datachannel.Headroom, n); err == nil {
		_, _ = ss.srv.cfg.Conn.WriteToUDPAddrPort(wire, ss.peer)
	}
}

// serve is the server's side of TLS, key-method 2 and the control
// messages that follow.
func (ss *session) serve() {
	s := ss.srv
	tc := ss.tls
	if err := tc.Handshake(); err != nil {
		s.logf("awsemu: %v: tls handshake: %v", ss.peer, err)
		return
	}
	msg, err := readClientMessage(tc)
	if err != nil {
		s.logf("awsemu: %v: %v", ss.peer, err)
		return
	}
	cm, framing, err := keymethod2.ParseClientMessage(msg)
	clear(msg)
	if err != nil {
		s.logf("awsemu: %v: client key-method 2: %v", ss.peer, err)
		return
	}
	src, err := keys.NewServerSource(rand.Reader)
	if err != nil {
		return
	}
	sm := keymethod2.ServerMessage{Source: src, Options: "V4,dev-type tun,link-mtu 1521,tun-mtu 1500,proto UDPv4,cipher AES-256-GCM,auth [null-digest],keysize 256,key-method 2,tls-server"}
	b, err := sm.Marshal(keymethod2.FramingStock)
	if err != nil {
		return
	}
	if _, err := tc.Write(b); err != nil {
		return
	}
	m := keys.DerivePRF(&cm.Source, &src, keys.SessionID(ss.csid), keys.SessionID(ss.ssid))
	dc, err := datachannel.New(datachannel.Config{Cipher: "AES-256-GCM",
		Send: datachannel.Key(m.ServerSend()), Recv: datachannel.Key(m.ServerReceive())})
	if err != nil {
		s.logf("awsemu: %v: data channel: %v", ss.peer, err)
		return
	}
	ss.dc.Store(dc)

	var user, pass string
	if cm.Credentials != nil {
		user, pass = cm.Credentials.Username, cm.Credentials.Password
	}
	s.logf("awsemu: %v: key-method 2 in %v framing, user %q, password of %d bytes", ss.peer, framing, user, len(pass))
	v, err := s.auth.authenticate(user, pass, ss.peer.Addr())
	if err != nil {
		s.logf("awsemu: %v: %v", ss.peer, err)
		v.challenge = "internal error"
	}
	if v.ok {
		ss.authed.Store(true)
		s.event(Event{Kind: "accepted", Peer: ss.peer, Detail: v.user})
	} else if strings.HasPrefix(v.challenge, "CRV1:") {
		s.event(Event{Kind: "challenge", Peer: ss.peer})
	} else {
		s.event(Event{Kind: "refused", Peer: ss.peer, Detail: v.challenge})
	}

	buf := make([]byte, 16<<10)
	for {
		n, err := tc.Read(buf)
		if err != nil {
			return
		}
		for _, msg := range push.ParseRecord(buf[:n]) {
			u, ok := msg.(*push.Unknown)
			if !ok || !strings.HasPrefix(u.Text, "PUSH_REQUEST") {
				continue
			}
			if !v.ok {
				_, _ = tc.Write(push.Frame("AUTH_FAILED," + v.challenge))
				continue
			}
			_, _ = tc.Write(push.Frame(ss.pushReply(v.user)))
		}
	}
}

// pushReply is what an AWS endpoint pushes (olv's sample, and what the
// wire notes list), and it starts the session's clock.
func (ss *session) pushReply(user string) string {
	c := ss.srv.cfg
	mask := net.IP(net.CIDRMask(c.Subnet.Bits(), 32)).String()
	items := []string{"PUSH_REPLY", "topology subnet",
		fmt.Sprintf("ifconfig %v %s", c.Client, mask),
		fmt.Sprintf("route-gateway %v", c.Gateway)}
	for _, r := range c.Routes {
		items = append(items, fmt.Sprintf("route %v %s", r.Addr(), net.IP(net.CIDRMask(r.Bits(), 32))))
	}
	items = append(items, "ping 10", "ping-restart 60", "cipher AES-256-GCM")
	ss.mu.Lock()
	if c.AuthToken && ss.token == "" {
		ss.token = ss.srv.auth.newToken(user)
	}
	if ss.token != "" {
		items = append(items, "auth-token "+ss.token)
	}
	if c.SessionLimit > 0 {
		items = append(items, fmt.Sprintf("session-timeout %d", int(c.SessionLimit.Round(time.Second)/time.Second)))
		if ss.deadline.IsZero() {
			ss.deadline = time.Now().Add(c.SessionLimit)
		}
	}
	ss.mu.Unlock()
	ss.srv.signedIn(ss)
	ss.srv.event(Event{Kind: "pushed", Peer: ss.peer})
	return strings.Join(items, ",")
}

// readClientMessage reads the client's key-method-2 message. In AWS's
// framing it spans several TLS records and its first four bytes give its
// length (little-endian); in the stock one they are zero and the message
// is one record.
func readClientMessage(tc *tls.Conn) ([]byte, error) {
	const limit = 1 << 20
	var msg []byte
	buf := make([]byte, 16<<10+512)
	for {
		n, err := tc.Read(buf)
		if err != nil {
			return nil, fmt.Errorf("read client key-method 2: %w", err)
		}
		msg = append(msg, buf[:n]...)
		if len(msg) < 4 {
			continue
		}
		total := int(binary.LittleEndian.Uint32(msg))
		switch {
		case total == 0:
			return msg, nil
		case total > limit || total < 4:
			return nil, fmt.Errorf("client key-method 2: implausible length %d", total)
		case len(msg) >= total:
			return msg[:total], nil
		}
	}
}
