package service

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/ipc"
)

// Every local user may connect to the socket (the access check refuses
// them per request), so every local user could hold the service's
// descriptors until accept fails for root too. Connections are therefore
// counted per uid when accepted, and one past the quota is answered at
// once and closed:
//
//	any one uid (root excepted)                 maxConnsPerUID
//	everyone together, before the reserve       maxConnsShared
//	the reserve: only root and the console user maxConnsTotal - maxConnsShared
//
// so a hostile uid, or several, can use up the shared part and never the
// reserve that keeps `cvpn status` working for root and the console user.
// The limits are far below the descriptor limit systemd gives a service
// (1024 before Go raises it), with room for tunnels and log files.
const (
	maxConnsPerUID = 32
	maxConnsShared = 256
	maxConnsTotal  = 320

	// consoleCheckTimeout bounds the session lookup that decides whether a
	// caller may use the reserve: the accept loop waits for it.
	consoleCheckTimeout = time.Second
	// refuseWriteTimeout bounds the answer to a connection over quota.
	refuseWriteTimeout = 100 * time.Millisecond
)

// unknownUID counts the connections whose peer could not be identified.
const unknownUID = -2

// connLimiter counts open connections per uid.
type connLimiter struct {
	mu     sync.Mutex
	perUID map[int]int
	total  int
}

// take admits one connection from uid when the quotas allow, returning
// why not otherwise. console is asked, outside the lock, only when the
// shared part is full.
func (l *connLimiter) take(uid int, admin bool, console func() bool) (ok bool, why string) {
	ok, why, ask := l.tryTake(uid, admin, false, false)
	if ask {
		ok, why, _ = l.tryTake(uid, admin, true, console())
	}
	return ok, why
}

func (l *connLimiter) tryTake(uid int, admin, asked, isConsole bool) (ok bool, why string, ask bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.total >= maxConnsTotal:
		return false, fmt.Sprintf("the service has %d connections open, the most it accepts", l.total), false
	case !admin && l.perUID[uid] >= maxConnsPerUID:
		return false, fmt.Sprintf("this user has %d connections open, the most one user may have; close some", l.perUID[uid]), false
	case !admin && l.total >= maxConnsShared && !asked:
		return false, "", true
	case !admin && l.total >= maxConnsShared && !isConsole:
		return false, fmt.Sprintf("the service has %d connections open; the rest are kept for root and the console user", l.total), false
	}
	if l.perUID == nil {
		l.perUID = map[int]int{}
	}
	l.perUID[uid]++
	l.total++
	return true, "", false
}

func (l *connLimiter) release(uid int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perUID[uid]--; l.perUID[uid] <= 0 {
		delete(l.perUID, uid)
	}
}

// limitListener applies the connection quotas at accept, and carries each
// connection's peer so it is looked up only once.
type limitListener struct {
	net.Listener
	s *Server
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		p, perr := ipc.PeerOf(c)
		uid := p.UID
		if perr != nil {
			uid = unknownUID
		}
		console := func() bool {
			ctx, cancel := context.WithTimeout(context.Background(), consoleCheckTimeout)
			defer cancel()
			return perr == nil && l.s.allowed(ctx, p) == nil
		}
		ok, why := l.s.conns.take(uid, perr == nil && p.Admin, console)
		if !ok {
			l.s.refusals.note(uid, "refused a connection from %s: %s", who(p, perr), why)
			refuseConn(c, why)
			continue
		}
		return &countedConn{Conn: c, res: peerResult{peer: p, err: perr}, release: func() { l.s.conns.release(uid) }}, nil
	}
}

// refuseConn answers a connection over quota with a 503 it can read, and
// closes it without waiting for its request.
func refuseConn(c net.Conn, why string) {
	body := fmt.Sprintf(`{"code":%q,"message":%q}`+"\n", api.CodeBusy, "the cvpn service is busy: "+why)
	_ = c.SetWriteDeadline(time.Now().Add(refuseWriteTimeout))
	_, _ = fmt.Fprintf(c, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	_ = c.Close()
}

// countedConn gives its quota back when closed.
type countedConn struct {
	net.Conn
	res     peerResult
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// NetConn lets ipc.PeerOf reach the socket underneath.
func (c *countedConn) NetConn() net.Conn { return c.Conn }

// who names a caller in the log.
func who(p ipc.Peer, err error) string {
	switch {
	case err != nil:
		return "an unidentified caller"
	case p.SID != "":
		return p.SID
	}
	return fmt.Sprintf("uid %d (pid %d)", p.UID, p.PID)
}
