//go:build linux

package lab

// A userspace UDP relay that stands in for a bad network. The machines
// this lab runs on have no netem (no kernel modules), so loss, outages and
// a client that moves to a new address are made here, in Go, in the
// server's namespace:
//
//	 client ns                    server ns
//	 cvpn ──udp──▶ listen (ServerLinkIP:port) ──┐ ToServer: drop with p, or all while paused;
//	      ◀─────── out.WriteTo(client) ◀─────┐  ▼    then the mangler, if set
//	                                         │ upstream (one per client address,
//	     ToClient: drop, then the mangler ───┘  a fresh source port after Rebind)
//	     (out: listen, or the socket of         ──udp──▶ openvpn [::]:Port
//	      the last Move)
//
// Goroutines: one reads each listening socket (client → server) for the
// relay's life, the first and any Move opened; each client address adds one
// reading its upstream socket (server → client). Close closes every socket and waits for all of them.
// Drops are drawn from one seeded generator per direction, so a run is
// repeatable up to the timing of retransmissions. A Mangler (SetMangler)
// turns the bad network into a hostile one: it decides what is sent in
// place of each datagram that survived the drops, and is called on those
// same goroutines.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// RelayOptions configure StartRelay.
type RelayOptions struct {
	// Port is the relay's UDP port on the server's link address; 0 picks
	// a free one.
	Port int
	// LossToServer and LossToClient are drop probabilities, 0..1.
	LossToServer, LossToClient float64
	// Seed makes the drops repeatable; 0 means 1.
	Seed uint64
	// Loopback listens on 127.0.0.1 in the caller's namespace instead,
	// and sends to the server from the client namespace: for an engine
	// run in-process by a test program, whose sockets cannot be put in
	// the client namespace.
	Loopback bool
}

// Direction is the way a datagram travels through the relay.
type Direction int

// Directions.
const (
	ToServer Direction = iota
	ToClient
)

func (d Direction) String() string {
	if d == ToServer {
		return "to server"
	}
	return "to client"
}

// MaxDatagram is the largest UDP payload over IPv4 (65535 less the IP and
// UDP headers): the most a Mangler can send in one datagram.
const MaxDatagram = 65507

// A Mangler stands in for an attacker on the path. The relay calls it with
// each datagram that survived the drops, instead of forwarding it, and
// sends whatever the mangler passes to send, in the same direction, once
// per call: nothing (a drop), the datagram, a changed copy, older
// datagrams, new ones up to MaxDatagram bytes, in any order and number.
// pkt is the relay's read buffer, valid only during the call: copy what
// must outlive it; send does not keep its argument. The relay calls it
// from its reading goroutines, so calls for the two directions (and for
// different clients) run concurrently: a mangler that keeps state locks
// it. send must not be called after the mangler returns.
type Mangler func(dir Direction, pkt []byte, send func([]byte))

// RelayStats counts datagrams per direction.
type RelayStats struct {
	ToServer, ToClient               uint64 // forwarded
	DroppedToServer, DroppedToClient uint64
}

// Relay forwards UDP between clients and the lab's server, losing what it
// is told to.
type Relay struct {
	upNS     string // the namespace of the upstream sockets
	target   netip.AddrPort
	listen   *net.UDPConn                // where clients are pointed (Addr)
	out      atomic.Pointer[net.UDPConn] // what answers go out from; listen until Move
	extra    []*net.UDPConn              // sockets opened by Move, under mu
	listenNS string                      // "" for the caller's namespace

	lossUp, lossDown atomic.Uint64 // math.Float64bits of the probabilities
	paused           atomic.Bool
	mangler          atomic.Pointer[Mangler] // nil: forward as is

	mu       sync.Mutex
	rngUp    *rand.Rand // used only by the listener goroutine
	rngDown  *rand.Rand // shared by the upstream readers, under mu
	sessions map[netip.AddrPort]*relaySession
	closed   bool
	wg       sync.WaitGroup

	fwdUp, fwdDown, dropUp, dropDown atomic.Uint64
}

// relaySession is one client address and the upstream socket the server
// sees it as.
type relaySession struct {
	client netip.AddrPort
	up     *net.UDPConn
}

// StartRelay starts a relay in the server namespace that listens on the
// server's link address and forwards to the lab server's UDP port. Point a
// client at Addr (ProfileOptions.Remote). Close stops it; the lab's Close
// does too.
func (l *Lab) StartRelay(o RelayOptions) (*Relay, error) {
	if l.Opts.Server.Proto != UDP {
		return nil, fmt.Errorf("start relay: the relay forwards UDP, the lab server speaks %s", l.Opts.Server.Proto)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	r := &Relay{
		upNS:     l.ServerNS,
		target:   netip.AddrPortFrom(l.ServerLinkIP, uint16(l.Opts.Server.Port)),
		rngUp:    rand.New(rand.NewPCG(o.Seed, 1)),
		rngDown:  rand.New(rand.NewPCG(o.Seed, 2)),
		sessions: make(map[netip.AddrPort]*relaySession),
	}
	r.SetLoss(o.LossToServer, o.LossToClient)
	listenAt := func(ip netip.Addr) func() error {
		return func() (err error) {
			r.listen, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(o.Port))))
			return err
		}
	}
	var err error
	if o.Loopback {
		r.upNS = l.ClientNS
		err = listenAt(netip.AddrFrom4([4]byte{127, 0, 0, 1}))()
	} else {
		r.listenNS = l.ServerNS
		err = InNetns(l.ServerNS, listenAt(l.ServerLinkIP))
	}
	if err != nil {
		return nil, fmt.Errorf("start relay: %w", err)
	}
	r.out.Store(r.listen)
	r.wg.Add(1)
	go r.readClients(r.listen)
	l.mu.Lock()
	l.relays = append(l.relays, r)
	l.mu.Unlock()
	return r, nil
}

// Addr is where clients send to.
func (r *Relay) Addr() netip.AddrPort { return r.listen.LocalAddr().(*net.UDPAddr).AddrPort() }

// SetLoss changes the drop probabilities at once.
func (r *Relay) SetLoss(toServer, toClient float64) {
	r.lossUp.Store(floatBits(toServer))
	r.lossDown.Store(floatBits(toClient))
}

// Pause drops everything in both directions until Resume: the server
// becomes unreachable without anyone noticing a link going down.
func (r *Relay) Pause() { r.paused.Store(true) }

// Resume ends a Pause.
func (r *Relay) Resume() { r.paused.Store(false) }

// Rebind gives every client a new upstream socket, so the server sees its
// clients arrive from a new source port, as after a NAT rebinding or a
// client moving to another network.
func (r *Relay) Rebind() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for addr, s := range r.sessions {
		_ = s.up.Close() // its reader exits
		ns, err := r.newSession(addr)
		if err != nil {
			delete(r.sessions, addr)
			return fmt.Errorf("rebind relay: %w", err)
		}
		r.sessions[addr] = ns
	}
	return nil
}

// Move makes the server seem to move: its answers come from a new port of
// the same address from now on, as from a multi-homed server answering
// from another interface. The new port forwards too, so a client that
// follows (float) keeps working; one that does not hears nothing more.
// It returns the new address.
func (r *Relay) Move() (netip.AddrPort, error) {
	local := r.listen.LocalAddr().(*net.UDPAddr).AddrPort()
	var c *net.UDPConn
	listen := func() (err error) {
		c, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(local.Addr(), 0)))
		return err
	}
	var err error
	if r.listenNS != "" {
		err = InNetns(r.listenNS, listen)
	} else {
		err = listen()
	}
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("move relay: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		c.Close()
		return netip.AddrPort{}, net.ErrClosed
	}
	r.extra = append(r.extra, c)
	r.wg.Add(1)
	go r.readClients(c)
	r.out.Store(c)
	return c.LocalAddr().(*net.UDPAddr).AddrPort(), nil
}

// SetMangler makes m decide, from now on, what the relay sends in place of
// each datagram; nil restores plain forwarding. The counters of Stats
// count what was sent.
func (r *Relay) SetMangler(m Mangler) {
	if m == nil {
		r.mangler.Store(nil)
		return
	}
	r.mangler.Store(&m)
}

// forward sends pkt in direction dir through write, or what the mangler
// makes of it, counting each datagram sent in fwd.
func (r *Relay) forward(dir Direction, pkt []byte, fwd *atomic.Uint64, write func([]byte) error) {
	m := r.mangler.Load()
	if m == nil {
		if write(pkt) == nil {
			fwd.Add(1)
		}
		return
	}
	(*m)(dir, pkt, func(b []byte) {
		if write(b) == nil {
			fwd.Add(1)
		}
	})
}

// Stats returns the counters so far.
func (r *Relay) Stats() RelayStats {
	return RelayStats{
		ToServer: r.fwdUp.Load(), ToClient: r.fwdDown.Load(),
		DroppedToServer: r.dropUp.Load(), DroppedToClient: r.dropDown.Load(),
	}
}

// Close stops the relay and waits for its goroutines.
func (r *Relay) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	err := r.listen.Close()
	for _, c := range r.extra {
		_ = c.Close()
	}
	for _, s := range r.sessions {
		_ = s.up.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return err
}

// readClients forwards client datagrams to the server, one upstream socket
// per client address.
func (r *Relay) readClients(ln *net.UDPConn) {
	defer r.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, from, err := ln.ReadFromUDPAddrPort(buf)
		if err != nil {
			return // closed
		}
		if r.drop(r.rngUp, &r.lossUp) {
			r.dropUp.Add(1)
			continue
		}
		s, err := r.session(from)
		if err != nil {
			continue
		}
		r.forward(ToServer, buf[:n], &r.fwdUp, func(b []byte) error {
			_, err := s.up.Write(b)
			return err
		})
	}
}

// session returns the upstream of client addr, opening it on first use.
func (r *Relay) session(addr netip.AddrPort) (*relaySession, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, net.ErrClosed
	}
	if s := r.sessions[addr]; s != nil {
		return s, nil
	}
	s, err := r.newSession(addr)
	if err != nil {
		return nil, err
	}
	r.sessions[addr] = s
	return s, nil
}

// newSession opens an upstream socket for client and starts its reader;
// r.mu is held.
func (r *Relay) newSession(client netip.AddrPort) (*relaySession, error) {
	s := &relaySession{client: client}
	err := InNetns(r.upNS, func() (err error) {
		s.up, err = net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(r.target))
		return err
	})
	if err != nil {
		return nil, err
	}
	r.wg.Add(1)
	go r.readServer(s)
	return s, nil
}

// readServer forwards the server's datagrams for one client back to it.
func (r *Relay) readServer(s *relaySession) {
	defer r.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, err := s.up.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // ICMP port unreachable while the server restarts
		}
		r.mu.Lock()
		drop := r.drop(r.rngDown, &r.lossDown)
		r.mu.Unlock()
		if drop {
			r.dropDown.Add(1)
			continue
		}
		r.forward(ToClient, buf[:n], &r.fwdDown, func(b []byte) error {
			_, err := r.out.Load().WriteToUDPAddrPort(b, s.client)
			return err
		})
	}
}

// drop decides one datagram's fate.
func (r *Relay) drop(rng *rand.Rand, loss *atomic.Uint64) bool {
	if r.paused.Load() {
		return true
	}
	p := floatFrom(loss.Load())
	return p > 0 && rng.Float64() < p
}

func floatBits(f float64) uint64 { return math.Float64bits(f) }
func floatFrom(b uint64) float64 { return math.Float64frombits(b) }
