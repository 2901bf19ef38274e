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
// two with typical pushed keepalives). So when the server has been silent
// for a moment, the control loop checks that the socket's local address
// still belongs to this machine and, when it does not, reconnects at once
// from the new one. The check is a netlink dump of the addresses, made at
// most every addrCheckEvery and only while nothing arrives.

// addrCheckEvery is how long the server may be silent before the local
// address is checked, and how often it is checked while the silence lasts.
const addrCheckEvery = 2 * time.Second

// localNetRetryMax caps the pause between attempts that failed because
// this machine has no way to the server at all (no address, no route):
// trying again costs nothing on the wire, and the user wants the tunnel
// back as soon as the network is.
const localNetRetryMax = 5 * time.Second

// errLocalAddrGone ends a connection whose local address was removed; the
// session reconnects without pausing.
var errLocalAddrGone = errors.New("this machine's address changed")

// addrCheckDue is when checkLocalAddr next has work; zero when never.
func (l *link) addrCheckDue() time.Time {
	if !l.connected {
		return time.Time{}
	}
	t := l.s.epoch.Add(time.Duration(l.lastRecv.Load())).Add(addrCheckEvery)
	if t.Before(l.addrNext) {
		t = l.addrNext
	}
	return t
}

// checkLocalAddr ends the connection when the server has been silent and
// the socket's local address is no longer one of this machine's.
func (l *link) checkLocalAddr(now time.Time) error {
	due := l.addrCheckDue()
	if due.IsZero() || now.Before(due) {
		return nil
	}
	l.addrNext = now.Add(addrCheckEvery)
	a := l.conn.LocalAddr().Addr().Unmap()
	if !a.IsValid() || a.IsUnspecified() || a.IsLoopback() {
		return nil
	}
	if ok, err := addrAssigned(a); err != nil || ok {
		return nil // if the addresses cannot be listed, ping-restart still works
	}
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
