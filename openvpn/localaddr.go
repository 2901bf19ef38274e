package openvpn

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// Noticing that our own address went away. A laptop that moves from one
// network to another keeps its UDP socket, which goes on sending from the
// old address: the kernel may even send such packets, but no answer can
// come back, and the link would only notice by ping-restart (a minute or
// two with typical pushed keepalives). So once the link is connected it
// watches the socket's local address and, when that no longer belongs to
// this machine, reconnects at once from the new one.
//
// On Linux the watch is event-driven (localaddr_linux.go): a netlink
// subscription to the address changes of the address's family, which the
// kernel wakes only when such an address is added or removed. Elsewhere,
// or when the subscription cannot be set up or fails, the control loop
// polls instead, as it always did before: when the server has been silent
// for addrCheckEvery it lists the addresses (a netlink dump on Linux), and
// again every addrCheckEvery while the silence lasts. Polling wakes an
// idle tunnel every 2 s where the server's keepalive wakes it every 10 s
// or so, and idle wake-ups are what costs a laptop battery; the watch
// costs nothing until an address changes, and it notices at once, not
// only after a silence (nothing can arrive at an address that is gone).
//
// The watch starts when the link is connected, as the polling did, not
// with the link: while connecting, a lost address shows as the attempt
// failing, and an attempt that never connects need not open a socket.
// The watch looks once right after it subscribed, so an address lost
// during the handshake is not missed. It ends with the link (teardown).

// addrCheckEvery is how long the server may be silent before the local
// address is checked, and how often it is checked while the silence lasts,
// when polling.
const addrCheckEvery = 2 * time.Second

// localNetRetryMax caps the pause between attempts that failed because
// this machine has no way to the server at all (no address, no route):
// trying again costs nothing on the wire, and the user wants the tunnel
// back as soon as the network is.
const localNetRetryMax = 5 * time.Second

// errLocalAddrGone ends a connection whose local address was removed; the
// session reconnects without pausing.
var errLocalAddrGone = errors.New("this machine's address changed")

// addrCheckDue is when checkLocalAddr next has polling to do; zero when
// never (not connected, or watched instead).
func (l *link) addrCheckDue() time.Time {
	if !l.connected || !l.addrPoll {
		return time.Time{}
	}
	t := l.s.epoch.Add(time.Duration(l.lastRecv.Load())).Add(addrCheckEvery)
	if t.Before(l.addrNext) {
		t = l.addrNext
	}
	return t
}

// checkLocalAddr starts the watch once the link is connected and, when
// there is none, ends the connection when the server has been silent and
// the socket's local address is no longer one of this machine's.
func (l *link) checkLocalAddr(now time.Time) error {
	if !l.connected {
		return nil
	}
	if l.addrStop == nil && !l.addrPoll {
		l.watchLocalAddr()
	}
	due := l.addrCheckDue()
	if due.IsZero() || now.Before(due) {
		return nil
	}
	l.addrNext = now.Add(addrCheckEvery)
	a := l.localAddr()
	if !a.IsValid() {
		return nil
	}
	if ok, err := addrAssigned(a); err != nil || ok {
		return nil // if the addresses cannot be listed, ping-restart still works
	}
	return l.localAddrGone(a)
}

// watchLocalAddr starts watching the socket's local address (watchAddr,
// one per OS), or sets the link polling when it cannot.
func (l *link) watchLocalAddr() {
	a := l.localAddr()
	if !a.IsValid() {
		l.addrStop = func() {} // nothing that could go away: neither watch nor poll
		return
	}
	stop, err := watchAddr(a, l.addrEv)
	if err != nil {
		if !errors.Is(err, errors.ErrUnsupported) {
			l.s.logf.printf("cannot watch this machine's addresses (%v); checking them every %v of silence instead", err, addrCheckEvery)
		}
		l.addrPoll = true
		return
	}
	l.addrStop = stop
}

// addrEvent handles what the watch sent: the local address, gone, or the
// zero Addr when the watch failed and the link must poll instead.
func (l *link) addrEvent(a netip.Addr) error {
	if a.IsValid() {
		return l.localAddrGone(a)
	}
	l.s.logf.printf("the watch of this machine's addresses failed; checking them every %v of silence instead", addrCheckEvery)
	l.addrPoll = true
	return nil
}

// localAddr is the socket's local address as addrAssigned and the watch
// compare it (unmapped, without zone), or the zero Addr when there is
// nothing to watch: an unbound socket (float) or loopback.
func (l *link) localAddr() netip.Addr {
	a := l.conn.LocalAddr().Addr().Unmap().WithZone("")
	if !a.IsValid() || a.IsUnspecified() || a.IsLoopback() {
		return netip.Addr{}
	}
	return a
}

// localAddrGone says that a went away and returns the error that ends the
// connection.
func (l *link) localAddrGone(a netip.Addr) error {
	l.s.logf.printf("%v is no longer an address of this machine; reconnecting now", a)
	return fmt.Errorf("%w: %v is gone", errLocalAddrGone, a)
}

// addrAssigned reports whether a is an address of one of this machine's
// interfaces.
func addrAssigned(a netip.Addr) (bool, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false, err
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if b, ok := netip.AddrFromSlice(n.IP); ok && b.Unmap() == a {
				return true, nil
			}
		}
	}
	return false, nil
}

// localNetDown reports whether err says this machine has no way to reach
// the address at all, rather than that the server did not answer.
func localNetDown(err error) bool {
	return errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.ENETDOWN)
}
