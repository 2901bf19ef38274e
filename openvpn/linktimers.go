package openvpn

import (
	"fmt"
	"time"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/packet"
	"github.com/cvpn/cvpn/openvpn/push"
	"github.com/cvpn/cvpn/openvpn/transport"
)

// The link's timers (handshake and push deadlines, keepalive, ping-restart,
// renegotiation, the lame duck's end) and what the control loop sends on
// its own: pings, control messages and the goodbye.

// nextDeadline is the earliest time tick or flush has work.
func (l *link) nextDeadline(now time.Time) time.Time {
	next := now.Add(time.Minute)
	earlier := func(t time.Time) {
		if !t.IsZero() && t.Before(next) {
			next = t
		}
	}
	for _, ks := range l.keys {
		if ks == nil {
			continue
		}
		if t, ok := ks.ch.NextDeadline(); ok {
			if t.IsZero() {
				t = now
			}
			earlier(t)
		}
		if !ks.established {
			earlier(ks.created.Add(l.handWindow()))
		}
	}
	if l.peer.IsZero() {
		earlier(l.started.Add(l.connectTimeout()))
	}
	if l.pushing {
		earlier(l.nextPush)
		earlier(l.pushUntil)
	}
	if l.connected {
		last := l.s.epoch.Add(time.Duration(l.lastRecv.Load()))
		if l.pingTimeout > 0 {
			earlier(last.Add(l.pingTimeout))
		}
		if l.ping > 0 {
			earlier(l.s.epoch.Add(time.Duration(l.s.lastSend.Load())).Add(l.ping))
		}
		if d := l.s.prof.Timers.RenegInterval; d > 0 && l.active != nil && l.primary == l.active {
			earlier(l.active.estAt.Add(d))
		}
		if l.lame != nil {
			earlier(l.lameEnd)
		}
		earlier(l.sessionLifeDeadline())
		earlier(l.limitsDeadline(now))
	}
	return next
}

func (l *link) handWindow() time.Duration {
	if d := l.s.prof.Timers.HandWindow; d > 0 {
		return d
	}
	return 60 * time.Second
}

func (l *link) connectTimeout() time.Duration {
	if d := l.remote.ConnectTimeout; d > 0 {
		return d
	}
	return 120 * time.Second
}

// tick acts on the timers: handshake and push deadlines, PUSH_REQUEST
// repeats, keepalive, renegotiation and the lame duck's end.
func (l *link) tick(now time.Time) error {
	if l.peer.IsZero() && now.Sub(l.started) >= l.connectTimeout() {
		return errResetTimeout
	}
	for _, ks := range l.keys {
		if ks != nil && !ks.established && now.Sub(ks.created) >= l.handWindow() {
			if ks.id == 0 {
				return errHandshakeTimeout
			}
			return fmt.Errorf("renegotiation of key %d: %w", ks.id, errHandshakeTimeout)
		}
	}
	if l.pushing {
		if !now.Before(l.pushUntil) {
			return errPushTimeout
		}
		if !now.Before(l.nextPush) {
			if err := l.sendControlMessage(push.PushRequest); err != nil {
				return err
			}
			l.nextPush = now.Add(pushRequestInterval)
		}
	}
	if !l.connected {
		return nil
	}
	if l.pingTimeout > 0 && now.Sub(l.s.epoch.Add(time.Duration(l.lastRecv.Load()))) >= l.pingTimeout {
		if l.pingExit {
			return fatal(fmt.Errorf("%w: no packets from the server for %v (ping-exit)", ErrHalted, l.pingTimeout))
		}
		return errPingRestart
	}
	if err := l.checkSessionLife(now); err != nil {
		return err
	}
	if err := l.checkLimits(now); err != nil {
		// 2.6 stops with SIGTERM here, which says goodbye first.
		l.exiting = true
		_ = l.goodbye(now)
		return err
	}
	if l.ping > 0 && now.Sub(l.s.epoch.Add(time.Duration(l.s.lastSend.Load()))) >= l.ping {
		l.sendData(datachannel.PutPing)
	}
	if l.lame != nil && !now.Before(l.lameEnd) {
		l.s.debugf.printf("key %d: lame duck expired", l.lame.id)
		l.retire(l.lame)
	}
	if l.active != nil && l.primary == l.active && !l.exiting {
		d := l.s.prof.Timers.RenegInterval
		byTraffic, why := l.rekeyByTraffic(l.active.dc)
		if (d > 0 && now.Sub(l.active.estAt) >= d) || (l.active.dc != nil && l.active.dc.NeedsRekey()) || byTraffic {
			id := nextKeyID(l.active.id)
			if why != "" {
				why = " after " + why
			}
			l.s.logf.printf("renegotiating: key %d%s", id, why)
			if _, err := l.newKey(id, packet.OpSoftResetV1, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// sendData seals one internal payload (a ping or an OCC exit) with the
// current key and sends it, in order with the TUN reader's packets.
func (l *link) sendData(put func([]byte) int) {
	tx := l.s.tx.Load()
	if tx == nil {
		return
	}
	// If the TUN reader holds the lock it is sending, so a keepalive is
	// not needed; and the control loop must never wait behind a transport
	// write that may be stalled.
	if !l.s.sendMu.TryLock() {
		return
	}
	defer l.s.sendMu.Unlock()
	n := put(l.dbuf[datachannel.Headroom:])
	wire, err := tx.dc.Seal(l.dbuf, datachannel.Headroom, n)
	if err != nil {
		l.s.debugf.printf("seal: %v", err)
		return
	}
	l.wires = append(l.wires[:0], wire)
	if err := tx.conn.WriteBatch(l.wires); err != nil {
		l.s.debugf.printf("send: %v", err)
	}
	l.s.lastSend.Store(l.s.now())
}

// sendControlMessage writes one NUL-terminated control message as one TLS
// record on the newest established key state.
func (l *link) sendControlMessage(msg string) error {
	ks := l.active
	if ks == nil {
		ks = l.keys[0]
	}
	if ks == nil || !ks.established {
		return nil
	}
	if _, err := ks.tls.Write(push.Frame(msg)); err != nil {
		return fmt.Errorf("send %s: %w", msg, err)
	}
	return nil
}

// goodbye tells the server we are leaving, as the profile or the server
// asked (explicit-exit-notify; cc-exit turns it into an EXIT message),
// then ends the connection. An EXIT is reliable, so wait briefly for its
// ACK; OCC_EXIT packets are datagrams and simply repeated.
func (l *link) goodbye(now time.Time) error {
	n := l.remote.ExplicitExitNotify
	if l.pushed != nil {
		n = max(n, l.pushed.ExplicitExitNotify)
	}
	if !l.connected || n <= 0 {
		return errClosed
	}
	l.s.setState(StateExiting, StateChange{Detail: "telling the server goodbye", Remote: l.addr})
	if l.pushed.ProtocolFlags&push.FlagCCExit != 0 {
		if err := l.sendControlMessage(push.ExitMessage); err != nil {
			return errClosed
		}
		deadline := now.Add(exitAckWait)
		for time.Now().Before(deadline) {
			if err := l.flush(time.Now()); err != nil {
				return errClosed
			}
			if l.active.ch.Sender().Empty() {
				return errClosed
			}
			select {
			case wire := <-l.ctrlIn:
				_ = l.handleControl(wire, time.Now())
			case <-time.After(50 * time.Millisecond):
			}
		}
		return errClosed
	}
	if l.conn.Proto() == transport.UDP {
		l.paceExitNotify(min(n, maxExitNotify))
	}
	return errClosed
}

// maxExitNotify caps how many OCC_EXIT datagrams a goodbye sends, and so
// (less one) how many seconds it takes, whatever the profile or server ask.
const maxExitNotify = 5

// exitNotifyInterval spaces the OCC_EXIT datagrams, as 2.6 does (one a
// second until explicit-exit-notify's seconds are up, sig.c:
// process_explicit_exit_notification_timer_wakeup): datagrams sent back to
// back are lost together when the path drops a burst, which is what the
// repetition is there to survive.
const exitNotifyInterval = time.Second

// paceExitNotify sends n OCC_EXIT datagrams exitNotifyInterval apart and
// returns after the last, or early if the transport fails or the server
// itself says goodbye. 2.6 then waits out the rest of the second; without
// an acknowledgement to wait for, that only delays the disconnect.
func (l *link) paceExitNotify(n int) {
	for i := range n {
		if i > 0 {
			t := time.NewTimer(exitNotifyInterval)
			select {
			case <-t.C:
			case <-l.netErr:
				t.Stop()
				return
			case <-l.occExit:
				t.Stop()
				return
			}
		}
		l.sendData(datachannel.PutOCCExit)
		l.s.debugf.printf("sent exit notification %d of %d", i+1, n)
	}
}
