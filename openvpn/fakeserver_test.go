package openvpn

import (
	"crypto/rand"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/keymethod2"
	"github.com/cvpn/cvpn/openvpn/keys"
	"github.com/cvpn/cvpn/openvpn/packet"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/openvpn/tlswrap"
)

// fakeServer is a minimal OpenVPN 2.6 server on loopback UDP, built from
// the engine's own pieces playing the other role: it answers resets,
// runs the TLS server, key-method 2 with PRF keys, answers PUSH_REQUEST
// with reply(n) (n counts sessions from 1), and echoes every data packet.
// It exists so the engine's state machine and data path run under the race
// detector without the lab.
type fakeServer struct {
	t      *testing.T
	pc     *net.UDPConn
	tlsCfg *tls.Config
	reply  func(session int) string

	sessions atomic.Int32
	clients  chan *keymethod2.ClientMessage // each session's key-method 2, for assertions

	ctrl chan fakeDatagram
	kick chan struct{}
	done chan struct{}
	wg   sync.WaitGroup

	mu   sync.Mutex
	sess *fakeSession
}

type fakeDatagram struct {
	from *net.UDPAddr
	pkt  []byte
}

type fakeSession struct {
	n          int
	peer       *net.UDPAddr
	csid, ssid packet.SessionID
	ks         *keyState
	dc         atomic.Pointer[datachannel.Channel]
}

func newFakeServer(t *testing.T, reply func(session int) string) *fakeServer {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeServer{
		t: t, pc: pc, tlsCfg: newTestPKI(t).serverTLS(), reply: reply,
		clients: make(chan *keymethod2.ClientMessage, 8),
		ctrl:    make(chan fakeDatagram, 64), kick: make(chan struct{}, 1), done: make(chan struct{}),
	}
	f.wg.Add(2)
	go f.read()
	go f.control()
	t.Cleanup(f.close)
	return f
}

func (f *fakeServer) port() int { return f.pc.LocalAddr().(*net.UDPAddr).Port }

func (f *fakeServer) close() {
	select {
	case <-f.done:
		return
	default:
	}
	close(f.done)
	_ = f.pc.Close()
	f.mu.Lock()
	if f.sess != nil {
		f.sess.ks.close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// read echoes data packets and passes control packets on.
func (f *fakeServer) read() {
	defer f.wg.Done()
	buf := make([]byte, 2048)
	out := make([]byte, datachannel.Headroom+2048+datachannel.Tailroom)
	for {
		n, from, err := f.pc.ReadFromUDP(buf[:1600])
		if err != nil {
			return
		}
		op, _, err := packet.Peek(buf[:n])
		if err != nil {
			continue
		}
		if !op.IsData() {
			select {
			case f.ctrl <- fakeDatagram{from, append([]byte(nil), buf[:n]...)}:
			case <-f.done:
				return
			}
			continue
		}
		f.mu.Lock()
		s := f.sess
		f.mu.Unlock()
		if s == nil || s.dc.Load() == nil {
			continue
		}
		dc := s.dc.Load()
		kind, payload, err := dc.Open(buf[:n])
		if err != nil || kind != datachannel.KindData {
			continue
		}
		m := copy(out[datachannel.Headroom:], payload)
		wire, err := dc.Seal(out, datachannel.Headroom, m)
		if err == nil {
			_, _ = f.pc.WriteToUDP(wire, from)
		}
	}
}

// control runs the reliability layer of the current session.
func (f *fakeServer) control() {
	defer f.wg.Done()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var p packet.Control
	var pkts []packet.Control
	maxPayload := func(op packet.Opcode) int {
		return tlswrap.MaxPayload(tlswrap.None{}, op, 4, tlswrap.DefaultTLSMTU, tlswrap.DatagramOverheadUDP6)
	}
	for {
		select {
		case <-f.done:
			return
		case d := <-f.ctrl:
			if err := p.Decode(d.pkt); err != nil {
				continue
			}
			f.mu.Lock()
			s := f.sess
			if p.Opcode == packet.OpHardResetClientV2 && (s == nil || s.csid != p.SessionID) {
				s = f.newSession(d.from, p.SessionID)
			}
			f.mu.Unlock()
			if s != nil && p.SessionID == s.csid {
				_, _ = s.ks.ch.Receive(&p)
			}
		case <-f.kick:
		case <-tick.C:
		}
		f.mu.Lock()
		s := f.sess
		f.mu.Unlock()
		if s == nil {
			continue
		}
		var err error
		if pkts, err = s.ks.pump(time.Now(), maxPayload, pkts[:0]); err != nil {
			f.t.Errorf("fake server: %v", err)
			return
		}
		for i := range pkts {
			wire, err := pkts[i].Append(nil)
			if err != nil {
				f.t.Errorf("fake server: %v", err)
				return
			}
			_, _ = f.pc.WriteToUDP(wire, s.peer)
		}
	}
}

// newSession replaces the current session; f.mu is held.
func (f *fakeServer) newSession(peer *net.UDPAddr, csid packet.SessionID) *fakeSession {
	if f.sess != nil {
		f.sess.ks.close()
	}
	ssid, _ := packet.NewSessionID(nil)
	s := &fakeSession{n: int(f.sessions.Add(1)), peer: peer, csid: csid, ssid: ssid}
	s.ks = newKeyState(0, packet.OpHardResetServerV2, ssid, nil, f.kick, time.Now())
	s.ks.ch.SetRemoteSessionID(csid)
	_ = s.ks.start()
	s.ks.tls = tls.Server(s.ks.conn, f.tlsCfg)
	f.sess = s
	f.wg.Add(1)
	go f.serveTLS(s)
	return s
}

// serveTLS is the server's side of the TLS session and key-method 2.
func (f *fakeServer) serveTLS(s *fakeSession) {
	defer f.wg.Done()
	tc := s.ks.tls
	if err := tc.Handshake(); err != nil {
		return
	}
	buf := make([]byte, 20000)
	n, err := tc.Read(buf)
	if err != nil {
		return
	}
	cm, _, err := keymethod2.ParseClientMessage(buf[:n])
	if err != nil {
		f.t.Errorf("fake server: client key-method 2: %v", err)
		return
	}
	f.clients <- cm
	ss, _ := keys.NewServerSource(rand.Reader)
	sm := keymethod2.ServerMessage{Source: ss, Options: "V4,dev-type tun,tls-server"}
	b, _ := sm.Marshal(keymethod2.FramingStock)
	if _, err := tc.Write(b); err != nil {
		return
	}
	m := keys.DerivePRF(&cm.Source, &ss, keys.SessionID(s.csid), keys.SessionID(s.ssid))
	dc, err := datachannel.New(datachannel.Config{Cipher: "AES-256-GCM", KeyID: 0,
		Send: datachannel.Key(m.ServerSend()), Recv: datachannel.Key(m.ServerReceive())})
	if err != nil {
		f.t.Errorf("fake server: %v", err)
		return
	}
	s.dc.Store(dc)
	for {
		n, err := tc.Read(buf)
		if err != nil {
			return
		}
		for _, msg := range push.ParseRecord(buf[:n]) {
			if u, ok := msg.(*push.Unknown); ok && strings.HasPrefix(u.Text, "PUSH_REQUEST") {
				_, _ = tc.Write(push.Frame(f.reply(s.n)))
			}
		}
	}
}

// send writes a control message to the current session.
func (f *fakeServer) send(msg string) {
	f.mu.Lock()
	s := f.sess
	f.mu.Unlock()
	if s == nil {
		f.t.Fatal("fake server: no session")
	}
	if _, err := s.ks.tls.Write(push.Frame(msg)); err != nil {
		f.t.Fatal(err)
	}
}
