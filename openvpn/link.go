package openvpn

// A link is one connection to one server address: one transport, one
// control-channel session id, key states 0..7. Its control loop runs on
// the session goroutine; everything the loop does not own reaches it over
// channels.
//
//	 transport ──▶ readNet (datapath.go) ─┬─ data: Open(rx[key_id]) ─▶ Device.Write (batch)
//	                                      └─ control: copy ─▶ ctrlIn ─┐
//	                                                                   ▼
//	 TLS goroutine per key state ◀─ ctrlConn stream ◀──────── control loop (run)
//	   handshake, key-method 2,  ─ keyEvent (kmDone, record) ─▶  reliable, wrap, timers,
//	   records                                                   push, rekey, keepalive
//	                                                                   │ installs
//	 Device.Read ──▶ readTUN (session-wide) ─ Seal(tx) ─▶ transport ◀──┘ rx[], Session.tx
//
// The control loop is the only writer of key states, the reliability
// layers and the wrapper (whose replay state is single-threaded). The data
// path never waits for it: keys are swapped through atomic pointers.

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/packet"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/openvpn/reliable"
	"github.com/cvpn/cvpn/openvpn/tlswrap"
	"github.com/cvpn/cvpn/openvpn/transport"
	"github.com/cvpn/cvpn/profile"
)

// Timers OpenVPN 2.6 hard-codes.
const (
	pushRequestInterval = 5 * time.Second  // PUSH_REQUEST_INTERVAL
	transitionWindow    = 60 * time.Second // --transition-window: lame-duck lifetime
	exitAckWait         = time.Second      // how long Close waits for the EXIT to be ACKed

	// maxControlRetry caps the doubling of control-packet
	// retransmissions. The reference's backoff grows to a minute, so a
	// client whose server was unreachable for a minute may sit out
	// another minute after it came back; capped, it sends one small
	// datagram every few seconds while it waits and is back within
	// seconds of the network.
	maxControlRetry = 8 * time.Second
)

type link struct {
	s       *Session
	remote  *profile.Remote
	host    string
	addr    netip.AddrPort
	conn    transport.Conn
	wrap    tlswrap.Wrapper
	local   packet.SessionID
	peer    packet.SessionID
	relCfg  reliable.Config
	tlsMTU  int
	attempt int
	km      kmParams

	keys    [8]*keyState
	primary *keyState // the newest key state, possibly still negotiating
	active  *keyState // the key data is sent with
	lame    *keyState // the previous key, kept for late packets until lameEnd
	lameEnd time.Time

	rx       [8]atomic.Pointer[datachannel.Channel] // receive keys by key_id, used by readNet
	lastRecv atomic.Int64                           // Session.now() of the last authentic packet

	ctrlIn  chan []byte
	netErr  chan error
	occExit chan struct{}
	kevents chan keyEvent
	kick    chan struct{}
	addrEv  chan netip.Addr // from the local-address watch (localaddr.go)
	// pending carries the user's answers to INFO_PRE requests, asked
	// in their own goroutines so the control channel keeps running.
	pending chan pendingReply
	asking  bool // a pending question is out (run loop only)
	life    sessionLife
	done    chan struct{}
	wg      sync.WaitGroup

	started     time.Time
	waitShown   time.Time // the retransmission last reported as "waiting"
	sleep       sleepWatch
	addrNext    time.Time // the next local-address check (localaddr.go)
	addrStop    func()    // ends the local-address watch; nil until it starts
	addrPoll    bool      // no watch: the local address is polled
	connected   bool
	usedToken   bool
	sentCreds   bool
	acc         push.Accumulator
	pushed      *push.Options
	pushing     bool
	nextPush    time.Time
	pushUntil   time.Time
	ekm         bool
	dc          datachannel.Config // negotiated parameters; keys and key id per key state
	ping        time.Duration
	pingTimeout time.Duration
	pingExit    bool
	exiting     bool

	pkts  []packet.Control
	rxPkt packet.Control
	wbuf  []byte
	wires [][]byte
	dbuf  []byte // for pings and exit notifications
}

func newLink(s *Session, r *profile.Remote, host string, addr netip.AddrPort, conn transport.Conn, attempt int) (*link, error) {
	w, err := newWrapper(r.Wrap)
	if err != nil {
		return nil, fatal(err)
	}
	sid, err := packet.NewSessionID(nil)
	if err != nil {
		return nil, err
	}
	km, err := s.kmParams(r)
	if err != nil {
		return nil, fatal(err)
	}
	l := &link{
		s: s, remote: r, host: host, addr: addr, conn: conn, wrap: w, local: sid, attempt: attempt, km: km,
		tlsMTU:  r.MTU.TLSMTU,
		ctrlIn:  make(chan []byte, 64),
		netErr:  make(chan error, 1),
		occExit: make(chan struct{}, 1),
		kevents: make(chan keyEvent, 4),
		kick:    make(chan struct{}, 1),
		addrEv:  make(chan netip.Addr, 1),
		pending: make(chan pendingReply, 1),
		done:    make(chan struct{}),
		dbuf:    make([]byte, datachannel.Headroom+64+datachannel.Tailroom),
	}
	if l.tlsMTU <= 0 {
		l.tlsMTU = tlswrap.DefaultTLSMTU
	}
	l.relCfg.InitialTimeout = s.prof.Timers.TLSTimeout
	l.relCfg.MaxTimeout = max(maxControlRetry, l.relCfg.InitialTimeout)
	if w.Mode() == tlswrap.ModeNone {
		// As 2.6 does for unwrapped sessions: SoftEther servers drop
		// P_ACK_V1 packets with more than 4 ACKs.
		l.relCfg.MaxAckPacketAcks = reliable.MaxPiggybackAcks
	}
	l.acc.RouteNoPull = s.prof.Routing.NoPull
	if f := s.prof.Routing.PullFilters; len(f) > 0 {
		l.acc.Filter = pullFilter(f)
	}
	l.ping, l.pingTimeout = s.prof.Timers.Ping, s.prof.Timers.PingRestart
	if s.prof.Timers.PingExit > 0 {
		l.pingTimeout, l.pingExit = s.prof.Timers.PingExit, true
	}
	return l, nil
}

// pullFilter applies the profile's pull-filter lines: first prefix match
// wins, unmatched options are accepted.
func pullFilter(filters []profile.PullFilter) func(string) push.FilterAction {
	return func(opt string) push.FilterAction {
		for _, f := range filters {
			if strings.HasPrefix(opt, f.Prefix) {
				switch f.Action {
				case profile.PullIgnore:
					return push.FilterIgnore
				case profile.PullReject:
					return push.FilterReject
				}
				return push.FilterAccept
			}
		}
		return push.FilterAccept
	}
}

func newWrapper(w profile.Wrap) (tlswrap.Wrapper, error) {
	switch w.Mode {
	case profile.WrapTLSAuth:
		dir := tlswrap.KeyDirectionNone
		switch w.KeyDirection {
		case profile.KeyDir0:
			dir = tlswrap.KeyDirectionNormal
		case profile.KeyDir1:
			dir = tlswrap.KeyDirectionInverse
		}
		return tlswrap.NewTLSAuth(w.Key, dir, w.Digest, nil)
	case profile.WrapTLSCrypt:
		return tlswrap.NewTLSCrypt(w.Key, nil)
	case profile.WrapTLSCryptV2:
		kc, wkc := w.V2Keys()
		return tlswrap.NewTLSCryptV2(&tlswrap.ClientKeyV2{Kc: kc, WKc: wkc}, nil)
	}
	return tlswrap.None{}, nil
}

// run drives the connection until it fails, the server ends it, or the
// session is closed. The returned error says which.
func (l *link) run(ctx context.Context) error {
	defer l.teardown()
	now := time.Now()
	l.started = now
	l.lastRecv.Store(l.s.now())
	l.wg.Add(1)
	go l.readNet()

	resetOp := packet.OpHardResetClientV2
	if l.wrap.Mode() == tlswrap.ModeCryptV2 {
		resetOp = packet.OpHardResetClientV3
	}
	if _, err := l.newKey(0, resetOp, now); err != nil {
		return err
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.s.closeReq:
			l.exiting = true
			return l.goodbye(time.Now())
		case wire := <-l.ctrlIn:
			if err := l.handleControl(wire, time.Now()); err != nil {
				return err
			}
		case err := <-l.netErr:
			return err
		case <-l.occExit:
			return errServerExit
		case ev := <-l.kevents:
			if err := l.handleKeyEvent(ctx, ev, time.Now()); err != nil {
				return err
			}
		case r := <-l.pending:
			if err := l.handlePendingReply(r); err != nil {
				return err
			}
		case a := <-l.addrEv:
			if err := l.addrEvent(a); err != nil {
				return err
			}
		case <-l.kick:
		case <-timer.C:
		}
		now := time.Now()
		if err := l.checkSlept(now); err != nil {
			return err
		}
		if err := l.checkLocalAddr(now); err != nil {
			return err
		}
		if err := l.tick(now); err != nil {
			return err
		}
		if err := l.flush(now); err != nil {
			return err
		}
		l.reportWaiting(now)
		next := l.nextDeadline(now)
		if t := l.addrCheckDue(); !t.IsZero() && t.Before(next) {
			next = t
		}
		timer.Reset(max(time.Until(next), time.Millisecond))
	}
}

// reportWaiting tells the user why nothing happens while the server does
// not answer our reset: once per retransmission, as a new detail of the
// connecting state ("waiting: server unreachable …, retrying in 4s").
func (l *link) reportWaiting(now time.Time) {
	ks := l.keys[0]
	if !l.peer.IsZero() || ks == nil || l.primary != ks {
		return
	}
	next, ok := ks.ch.NextDeadline()
	if !ok || !next.After(now) || next.Equal(l.waitShown) || now.Sub(l.started) < time.Second {
		return
	}
	l.waitShown = next
	l.s.setDetail(StateConnecting, StateChange{
		Detail: fmt.Sprintf("waiting: server unreachable (no answer for %v), retrying in %v",
			now.Sub(l.started).Round(time.Second), next.Sub(now).Round(time.Second)),
		Remote: l.addr, Proto: l.remote.Proto.String(), Attempt: l.attempt,
	})
}

// teardown stops the connection's goroutines and forgets its keys.
func (l *link) teardown() {
	if tx := l.s.tx.Load(); tx != nil && tx.conn == l.conn {
		l.s.tx.Store(nil)
	}
	close(l.done)
	_ = l.conn.Close()
	if l.addrStop != nil {
		l.addrStop()
	}
	for _, ks := range l.keys {
		if ks != nil {
			ks.close()
		}
	}
	l.wg.Wait()
	for i := range l.rx {
		l.rx[i].Store(nil)
	}
}

// newKey creates key state id, queues our reset and starts its TLS
// goroutine.
func (l *link) newKey(id packet.KeyID, resetOp packet.Opcode, now time.Time) (*keyState, error) {
	if old := l.keys[id]; old != nil {
		l.retire(old)
	}
	ks := newKeyState(id, resetOp, l.local, &l.relCfg, l.kick, now)
	if !l.peer.IsZero() {
		ks.ch.SetRemoteSessionID(l.peer)
	}
	if err := ks.start(); err != nil {
		return nil, err
	}
	p := l.km
	p.creds, l.usedToken = l.s.auth.credentials(id != 0)
	l.sentCreds = p.creds != nil
	ks.tls = tlsClient(ks.conn, l.s.tlsCfg)
	l.keys[id], l.primary = ks, ks
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		ks.runTLS(p, l.kevents, l.done)
	}()
	return ks, nil
}

// retire ends a key state and its data-channel key.
func (l *link) retire(ks *keyState) {
	if l.keys[ks.id] == ks {
		l.keys[ks.id] = nil
		l.rx[ks.id].Store(nil)
	}
	if l.lame == ks {
		l.lame = nil
	}
	ks.close()
}

// nextKeyID is the key_id after id: 1..7, never 0 again.
func nextKeyID(id packet.KeyID) packet.KeyID {
	id = (id + 1) & packet.MaxKeyID
	if id == 0 {
		id = 1
	}
	return id
}

// maxPayload sizes control payloads so each datagram fits tls-mtu, with
// room for the most ACKs a retransmission may carry. OpenVPN uses the
// IPv6+UDP overhead for every transport.
func (l *link) maxPayload(op packet.Opcode) int {
	return tlswrap.MaxPayload(l.wrap, op, reliable.MaxPiggybackAcks, l.tlsMTU, tlswrap.DatagramOverheadUDP6)
}

// flush pumps every live key state and sends what is due.
func (l *link) flush(now time.Time) error {
	l.pkts = l.pkts[:0]
	var err error
	for _, ks := range l.keys {
		if ks == nil {
			continue
		}
		if l.pkts, err = ks.pump(now, l.maxPayload, l.pkts); err != nil {
			return err
		}
	}
	if len(l.pkts) == 0 {
		return nil
	}
	l.wbuf, l.wires = l.wbuf[:0], l.wires[:0]
	for i := range l.pkts {
		start := len(l.wbuf)
		l.wbuf, err = l.wrap.Wrap(l.wbuf, &l.pkts[i])
		if err != nil {
			return fmt.Errorf("wrap %v: %w", l.pkts[i].Opcode, err)
		}
		l.wires = append(l.wires, l.wbuf[start:])
		l.s.debugf.printf("send %v", &l.pkts[i])
	}
	// A datagram that cannot be sent now is like one lost on the way:
	// the reliability layer sends it again.
	if err := l.conn.WriteBatch(l.wires); err != nil {
		if l.conn.Proto() == transport.TCP {
			return err
		}
		l.s.debugf.printf("send control: %v", err)
	}
	return nil
}
