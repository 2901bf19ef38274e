package awsemu

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/crewjam/saml"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/packet"
	"github.com/cvpn/cvpn/openvpn/tlswrap"
)

// Device is the packet device the emulator routes tunnel traffic through:
// the part of a TUN device (github.com/cvpn/cvpn/tun) it uses.
type Device interface {
	Read(bufs [][]byte, sizes []int, offset int) (int, error)
	Write(bufs [][]byte, offset int) (int, error)
	BatchSize() int
}

// Config sets up an emulator.
type Config struct {
	// Conn is the endpoint's UDP socket.
	Conn *net.UDPConn
	// TLS is the server's TLS configuration (its certificate; the client
	// certificate is not asked for, as on a federated endpoint).
	TLS *tls.Config
	// SP verifies the IdP's assertions; ServiceProvider builds it.
	SP *saml.ServiceProvider
	// Device receives the clients' packets and supplies theirs; nil
	// echoes every data packet back to its sender.
	Device Device
	// Client is the address pushed to the client, Gateway the server's
	// tunnel address; both in Subnet. Routes are pushed too.
	Client, Gateway netip.Addr
	Subnet          netip.Prefix
	Routes          []netip.Prefix
	// AuthToken pushes an auth-token, accepted instead of a SAML response
	// while its session lasts.
	AuthToken bool
	// DenyUsers are refused after a valid sign-in, as an endpoint whose
	// authorization rules leave them out refuses them.
	DenyUsers []string
	// SessionLimit, if set, is pushed as session-timeout, and the
	// emulator forgets the session when it has passed.
	SessionLimit time.Duration
	// Logf receives progress lines; nil discards them.
	Logf func(format string, args ...any)
}

// Event is something the emulator did that a test may wait for.
type Event struct {
	Kind string // "challenge", "refused", "accepted", "pushed", "expired"
	Peer netip.AddrPort
	// Detail is the reason for "refused", the user for "accepted".
	Detail string
}

// Server is a running emulator.
type Server struct {
	cfg  Config
	auth *authority
	logf func(string, ...any)

	events chan Event
	ctrl   chan datagram
	kick   chan struct{}
	done   chan struct{}
	wg     sync.WaitGroup

	mu       sync.Mutex
	sessions map[netip.AddrPort]*session
	active   *session // the newest signed-in session: the device's peer
}

type datagram struct {
	from netip.AddrPort
	pkt  []byte
}

// Start runs an emulator until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.Conn == nil || cfg.TLS == nil {
		return nil, errors.New("awsemu: Conn and TLS are required")
	}
	if !cfg.Subnet.Contains(cfg.Client) || !cfg.Subnet.Contains(cfg.Gateway) {
		return nil, fmt.Errorf("awsemu: %v and %v must be in %v", cfg.Client, cfg.Gateway, cfg.Subnet)
	}
	a, err := newAuthority(cfg.SP)
	if err == nil {
		for _, u := range cfg.DenyUsers {
			a.deny[u] = true
		}
	}
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, auth: a, logf: cfg.Logf,
		events: make(chan Event, 64),
		ctrl:   make(chan datagram, 256), kick: make(chan struct{}, 1), done: make(chan struct{}),
		sessions: map[netip.AddrPort]*session{},
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	s.wg.Add(2)
	go s.readLoop()
	go s.controlLoop()
	if cfg.Device != nil {
		s.wg.Add(1)
		go s.deviceLoop()
	}
	s.logf("awsemu: listening on udp %v, IdP %s", cfg.Conn.LocalAddr(), a.ssoURL)
	return s, nil
}

// Addr is the endpoint's UDP address.
func (s *Server) Addr() netip.AddrPort { return s.cfg.Conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// Events reports what the emulator did; events are dropped when nobody
// reads them.
func (s *Server) Events() <-chan Event { return s.events }

func (s *Server) event(e Event) {
	s.logf("awsemu: %s %v %s", e.Kind, e.Peer, e.Detail)
	select {
	case s.events <- e:
	default:
	}
}

// Close stops the emulator and closes its socket. The device is the
// caller's: close it first, as Close waits for the goroutine reading it.
func (s *Server) Close() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	close(s.done)
	err := s.cfg.Conn.Close()
	s.mu.Lock()
	for _, ss := range s.sessions {
		ss.close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// readLoop passes control packets on and handles data packets.
func (s *Server) readLoop() {
	defer s.wg.Done()
	buf := make([]byte, 64<<10)
	out := make([]byte, datachannel.Headroom+len(buf)+datachannel.Tailroom)
	dev := [][]byte{make([]byte, 16+len(buf))}
	for {
		n, from, err := s.cfg.Conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		op, _, err := packet.Peek(buf[:n])
		if err != nil {
			continue
		}
		if !op.IsData() {
			select {
			case s.ctrl <- datagram{from, append([]byte(nil), buf[:n]...)}:
			case <-s.done:
				return
			}
			continue
		}
		s.mu.Lock()
		ss := s.sessions[from]
		s.mu.Unlock()
		if ss == nil || !ss.signedIn() {
			continue
		}
		dc := ss.dc.Load()
		kind, payload, err := dc.Open(buf[:n])
		if err != nil || kind != datachannel.KindData {
			continue
		}
		if s.cfg.Device == nil {
			m := copy(out[datachannel.Headroom:], payload)
			if wire, err := dc.Seal(out, datachannel.Headroom, m); err == nil {
				_, _ = s.cfg.Conn.WriteToUDPAddrPort(wire, from)
			}
			continue
		}
		m := copy(dev[0][16:], payload)
		_, _ = s.cfg.Device.Write([][]byte{dev[0][:16+m]}, 16)
	}
}

// deviceLoop sends the device's packets to the signed-in session.
func (s *Server) deviceLoop() {
	defer s.wg.Done()
	d := s.cfg.Device
	bufs := make([][]byte, d.BatchSize())
	sizes := make([]int, len(bufs))
	for i := range bufs {
		bufs[i] = make([]byte, datachannel.Headroom+65535+datachannel.Tailroom)
	}
	for {
		n, err := d.Read(bufs, sizes, datachannel.Headroom)
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			if errors.Is(err, os.ErrClosed) || errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		s.mu.Lock()
		ss := s.active
		s.mu.Unlock()
		if ss == nil {
			continue
		}
		dc := ss.dc.Load()
		for i := range n {
			if wire, err := dc.Seal(bufs[i], datachannel.Headroom, sizes[i]); err == nil {
				_, _ = s.cfg.Conn.WriteToUDPAddrPort(wire, ss.peer)
			}
		}
	}
}

// controlLoop runs every session's reliability layer.
func (s *Server) controlLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var p packet.Control
	var pkts []packet.Control
	for {
		select {
		case <-s.done:
			return
		case d := <-s.ctrl:
			if err := p.Decode(d.pkt); err != nil {
				continue
			}
			s.mu.Lock()
			ss := s.sessions[d.from]
			if p.Opcode == packet.OpHardResetClientV2 && (ss == nil || ss.csid != p.SessionID) {
				if ss != nil {
					ss.close()
				}
				ss = s.newSession(d.from, p.SessionID)
			}
			s.mu.Unlock()
			if ss != nil && p.SessionID == ss.csid && p.KeyID == 0 {
				_, _ = ss.ch.Receive(&p)
			}
		case <-s.kick:
		case <-tick.C:
		}
		now := time.Now()
		s.mu.Lock()
		list := make([]*session, 0, len(s.sessions))
		for _, ss := range s.sessions {
			list = append(list, ss)
		}
		s.mu.Unlock()
		for _, ss := range list {
			if ss.expired(now) {
				s.expire(ss)
				continue
			}
			if !ss.authed.Load() && now.Sub(ss.created) > unsignedLife {
				s.drop(ss)
				continue
			}
			var err error
			if pkts, err = ss.pump(now, pkts[:0]); err != nil {
				s.logf("awsemu: %v: %v", ss.peer, err)
				s.drop(ss)
				continue
			}
			for i := range pkts {
				if wire, err := pkts[i].Append(nil); err == nil {
					_, _ = s.cfg.Conn.WriteToUDPAddrPort(wire, ss.peer)
				}
			}
			ss.keepalive(now)
		}
	}
}

// maxPayload is the largest control payload in a 1250-byte datagram.
func maxPayload(op packet.Opcode) int {
	return tlswrap.MaxPayload(tlswrap.None{}, op, 4, tlswrap.DefaultTLSMTU, tlswrap.DatagramOverheadUDP6)
}

// newSession starts the server's side of a session; s.mu is held.
func (s *Server) newSession(peer netip.AddrPort, csid packet.SessionID) *session {
	ss := newSession(s, peer, csid)
	s.sessions[peer] = ss
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ss.serve()
	}()
	return ss
}

// signedIn makes ss the device's peer.
func (s *Server) signedIn(ss *session) {
	s.mu.Lock()
	s.active = ss
	s.mu.Unlock()
}

// drop forgets a session.
func (s *Server) drop(ss *session) {
	s.mu.Lock()
	if s.sessions[ss.peer] == ss {
		delete(s.sessions, ss.peer)
	}
	if s.active == ss {
		s.active = nil
	}
	s.mu.Unlock()
	ss.close()
}

// expire ends a session whose SessionLimit has passed.
func (s *Server) expire(ss *session) {
	s.drop(ss)
	if ss.token != "" {
		s.auth.dropToken(ss.token)
	}
	s.event(Event{Kind: "expired", Peer: ss.peer})
}
