package openvpn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/transport"
	"github.com/cvpn/cvpn/profile"
)

// Session is one VPN session: it connects to the profile's remotes in turn,
// keeps the tunnel up (keepalive, renegotiation, reconnection) and moves
// packets between the Device and the server until Close, a fatal error or
// the end of the Dial context.
//
// Goroutines: one runs the session (connection attempts, each with its
// control loop), one reads the Device for the whole session, and each
// connection adds a transport reader and one TLS goroutine per key state.
// See link.go and datapath.go.
type Session struct {
	prof   *profile.Profile
	dev    Device
	opts   Options
	tlsCfg *tls.Config
	events *eventQueue
	logf   Logf
	debugf Logf

	closeReq  chan struct{}
	closeOnce sync.Once
	done      chan struct{}
	err       error // valid after done
	cancel    context.CancelFunc
	devDone   chan struct{} // closed when readTUN returned
	stopping  atomic.Bool   // set before the device is closed

	// tx is the sending key of the current connection; nil while not
	// connected (the TUN reader then drops what it reads).
	tx     atomic.Pointer[txKey]
	sendMu sync.Mutex // keeps packet-ids in order on the wire
	epoch  time.Time  // monotonic base for lastSend

	timingMu sync.Mutex      // timing.go
	timed    map[string]bool // phases already logged
	lastSend atomic.Int64    // nanoseconds since epoch of the last data send
	// wallSkew moves the wall clock the engine sees (nanoseconds), so
	// tests can make the machine seem to have slept (resume.go).
	wallSkew atomic.Int64

	mu    sync.Mutex
	state State
	info  *ConnectionInfo
	since time.Time
	cnt   counters
	ctrl  ctrlStats // refused control packets (ctrlstats.go)

	auth     authState
	proxy    proxyCreds      // answers for proxies, kept for reconnections
	closeCtx context.Context // ctx, also canceled by Close: for prompts, resolving, dialing
}

// txKey is what the TUN reader needs to send: the data-channel key and the
// transport of the current connection.
type txKey struct {
	dc   *datachannel.Channel
	conn transport.Conn
	// mss4 and mss6 cap the MSS of TCP SYNs in both directions (mssfix);
	// zero when off.
	mss4, mss6 uint16
}

// counters are the session's traffic totals, updated per batch.
type counters struct {
	txPackets, txBytes, rxPackets, rxBytes atomic.Uint64
	rxDropped, txDropped                   atomic.Uint64
	rekeys, reconnects                     atomic.Uint64
}

// Stats is a snapshot of a session.
type Stats struct {
	State State
	// Connection is the current tunnel, nil when not connected.
	Connection *ConnectionInfo
	// ConnectedSince is when the current connection came up.
	ConnectedSince time.Time
	// Packets and bytes of IP traffic through the tunnel.
	TxPackets, TxBytes, RxPackets, RxBytes uint64
	// Dropped counts packets that failed to decrypt, were replays, or
	// found no key (in) or could not be sent (out).
	RxDropped, TxDropped uint64
	Rekeys, Reconnects   uint64
	// IgnoredResets counts server soft resets refused because they named
	// a key id other than the one expected next: forged, or a server out
	// of step.
	IgnoredResets uint64
}

// Dial starts a session for prof that moves packets to and from dev, and
// returns at once: progress is reported on Events, and Wait returns how the
// session ended. Dial fails only when the profile cannot work at all (no
// remotes, unusable certificates). The session owns dev from now on and
// closes it when it stops. Canceling ctx stops the session without saying
// goodbye to the server; Close says goodbye first.
func Dial(ctx context.Context, prof *profile.Profile, dev Device, opts Options) (*Session, error) {
	if prof == nil || len(prof.Remotes) == 0 {
		return nil, errors.New("dial: the profile has no remote")
	}
	cfg, err := tlsConfig(&prof.TLS)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	if keyProtected(&prof.TLS) {
		cfg = nil // the session builds it once it has the passphrase (unlockKey)
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &Session{
		prof:     prof,
		dev:      dev,
		opts:     opts,
		tlsCfg:   cfg,
		events:   newEventQueue(),
		logf:     opts.Logf,
		debugf:   opts.Debugf,
		closeReq: make(chan struct{}),
		done:     make(chan struct{}),
		devDone:  make(chan struct{}),
		cancel:   cancel,
		epoch:    time.Now(),
	}
	s.timing("dial")
	s.auth.init(prof)
	go s.readTUN()
	go s.run(ctx)
	return s, nil
}

// Events returns the session's event channel. Whoever takes it must read
// it until it is closed, which happens after the session stopped.
func (s *Session) Events() <-chan Event { return s.events.channel() }

// Close says goodbye to the server (explicit-exit-notify, or an EXIT
// control message when the server negotiated cc-exit), stops the session
// and waits for it. It returns nil if the session was running.
func (s *Session) Close() error {
	s.closeOnce.Do(func() { close(s.closeReq) })
	<-s.done
	if errors.Is(s.err, errClosed) {
		return nil
	}
	return s.err
}

// Wait blocks until the session stopped and returns why: nil after Close,
// otherwise the fatal error (ErrAuthFailed, ErrUnreachable, …) or the
// context's error.
func (s *Session) Wait() error {
	<-s.done
	if errors.Is(s.err, errClosed) {
		return nil
	}
	return s.err
}

// Done is closed when the session has stopped.
func (s *Session) Done() <-chan struct{} { return s.done }

// State returns the current state.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Stats returns a snapshot of the session's state and counters.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	st := Stats{State: s.state, ConnectedSince: s.since}
	if s.info != nil {
		c := *s.info
		st.Connection = &c
	}
	s.mu.Unlock()
	st.TxPackets, st.TxBytes = s.cnt.txPackets.Load(), s.cnt.txBytes.Load()
	st.RxPackets, st.RxBytes = s.cnt.rxPackets.Load(), s.cnt.rxBytes.Load()
	st.RxDropped, st.TxDropped = s.cnt.rxDropped.Load(), s.cnt.txDropped.Load()
	st.Rekeys, st.Reconnects = s.cnt.rekeys.Load(), s.cnt.reconnects.Load()
	st.IgnoredResets = s.ctrl.ignoredResets.Load()
	return st
}

// setState takes an edge of the state machine and reports it. An edge
// missing from the table is a bug; it is reported as a warning, not taken
// silently, so tests catch it.
func (s *Session) setState(to State, ch StateChange) {
	s.mu.Lock()
	from := s.state
	if from == to {
		s.mu.Unlock()
		return
	}
	ok := CanTransition(from, to)
	s.state = to
	if to == StateConnected {
		s.info, s.since = ch.Connection, time.Now()
	} else if from == StateConnected {
		s.info, s.since = nil, time.Time{}
	}
	s.mu.Unlock()
	if !ok {
		s.warn("internal: unexpected state change %v -> %v", from, to)
	}
	ch.Time, ch.From, ch.To = time.Now(), from, to
	s.events.push(&ch)
}

// setDetail reports a new detail of the current state, if it is still in,
// as a StateChange whose From and To are both in: why the session waits,
// for the CLI and GUI. Nothing changes state.
func (s *Session) setDetail(in State, ch StateChange) {
	s.mu.Lock()
	cur := s.state
	s.mu.Unlock()
	if cur != in {
		return
	}
	ch.Time, ch.From, ch.To = time.Now(), in, in
	s.events.push(&ch)
}

func (s *Session) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.logf.printf("warning: %s", msg)
	s.events.push(&Warning{Time: time.Now(), Message: msg})
}

// now returns the monotonic time since the session's epoch, for the
// atomics the data path updates.
func (s *Session) now() int64 { return int64(time.Since(s.epoch)) }

// run is the session goroutine: connection attempts until the end.
func (s *Session) run(ctx context.Context) {
	// A prompt the user has not answered, or a dial that hangs, must not
	// hold up Close.
	var cancelPrompt context.CancelFunc
	s.closeCtx, cancelPrompt = context.WithCancel(ctx)
	stopWatch := make(chan struct{})
	go func() {
		select {
		case <-s.closeReq:
			cancelPrompt()
		case <-stopWatch:
		}
	}()
	err := s.loop(ctx)
	close(stopWatch)
	cancelPrompt()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil && !errors.Is(err, errClosed) {
		err = ctx.Err()
	}
	s.cancel()
	s.err = err
	if errors.Is(err, errClosed) {
		s.setState(StateExiting, StateChange{Detail: "closed"})
	} else {
		s.setState(StateExiting, StateChange{Err: err})
	}
	s.stopping.Store(true)
	_ = s.dev.Close()
	<-s.devDone
	s.setState(StateDisconnected, StateChange{Err: errOrNil(err)})
	s.events.close()
	close(s.done)
}

func errOrNil(err error) error {
	if errors.Is(err, errClosed) {
		return nil
	}
	return err
}

// loop tries the remotes in order, reconnecting until something fatal
// happens or the session is closed (or, with Options.NoReconnect, until
// a connection drops or every remote failed once).
func (s *Session) loop(ctx context.Context) error {
	remotes := append([]profile.Remote(nil), s.prof.Remotes...)
	if s.prof.RemoteRandom {
		rand.Shuffle(len(remotes), func(i, j int) { remotes[i], remotes[j] = remotes[j], remotes[i] })
	}
	var (
		idx      int
		failures int // consecutive failed attempts
		attempts int // attempts since the last connection
		rounds   int // times the whole list failed
		pinned   netip.AddrPort
	)
	for {
		attempts++
		r := &remotes[idx]
		if s.tlsCfg == nil {
			if err := s.unlockKey(s.closeCtx); err != nil {
				if s.closing() {
					return errClosed
				}
				return err
			}
		}
		if err := s.auth.prepare(s.closeCtx, s); err != nil {
			if s.closing() {
				return errClosed
			}
			return err
		}
		res := s.attempt(ctx, r, attempts, pinned)
		if res.connected {
			failures, rounds = 0, 0
		}
		delay, advance, err := s.afterAttempt(ctx, &res)
		if err != nil {
			return err
		}
		pinned = res.pin
		if res.connected && s.opts.NoReconnect {
			if res.err == nil {
				return ErrNoReconnect
			}
			return fmt.Errorf("%w (%w)", ErrNoReconnect, res.err)
		}
		if advance {
			failures++
			idx = (idx + 1) % len(remotes)
			if idx == 0 {
				rounds++
				if m := s.prof.ConnectRetryMax; (m > 0 && rounds >= m) || s.opts.NoReconnect {
					return &UnreachableError{Attempts: attempts, Last: res.err}
				}
			}
			delay = max(delay, backoff(r, failures))
		}
		if res.connected {
			attempts = 0
		}
		switch {
		case errors.Is(res.err, errResumed), errors.Is(res.err, errLocalAddrGone):
			delay = 0 // the network is likely back already: do not wait
		case localNetDown(res.err):
			delay = min(delay, localNetRetryMax)
		}
		s.cnt.reconnects.Add(1)
		s.setState(StateReconnecting, StateChange{Detail: fmt.Sprintf("next attempt in %v", delay.Round(time.Millisecond)), Err: res.err, Attempt: attempts})
		if err := s.sleep(ctx, delay); err != nil {
			return err
		}
	}
}

// closing reports whether Close was called.
func (s *Session) closing() bool {
	select {
	case <-s.closeReq:
		return true
	default:
		return false
	}
}

// backoff is connect-retry's pause after the n-th consecutive failure:
// the configured pause, doubling, capped at its maximum.
func backoff(r *profile.Remote, n int) time.Duration {
	d, maxd := r.ConnectRetry, r.ConnectRetryMaxDelay
	if d <= 0 {
		d = time.Second
	}
	if maxd <= 0 {
		maxd = 300 * time.Second
	}
	for i := 1; i < n && d < maxd; i++ {
		d *= 2
	}
	return min(d, maxd)
}

func (s *Session) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-s.closeReq:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}
