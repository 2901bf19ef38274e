//go:build !linux

package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// udpConn moves one datagram per system call on platforms without
// recvmmsg/sendmmsg.
type udpConn struct{ udpBase }

func newUDP(c *net.UDPConn) (Conn, error) {
	tuneUDP(c)
	return &udpConn{udpBase{c: c}}, nil
}

func (u *udpConn) BatchSize() int { return 1 }

func (u *udpConn) ReadBatch(bufs [][]byte, sizes []int) (int, error) {
	n, err := u.c.Read(bufs[0])
	if err != nil {
		return 0, fmt.Errorf("read udp %s: %w", u.RemoteAddr(), err)
	}
	sizes[0] = n
	return 1, nil
}

func (u *udpConn) WriteBatch(bufs [][]byte) error {
	for _, b := range bufs {
		if _, err := u.c.Write(b); err != nil {
			return fmt.Errorf("write udp %s: %w", u.RemoteAddr(), err)
		}
	}
	return nil
}

// dialFloat falls back to a connected socket where batching is not
// implemented: the server cannot float, and a moved server is found again
// by ping-restart.
func dialFloat(raddr netip.AddrPort) (Conn, error) {
	return dialUDP(context.Background(), raddr)
}

// SetPeer does nothing on a connected socket.
func (u *udpConn) SetPeer(netip.AddrPort) {}

// Source is the peer: a connected socket hears no one else.
func (u *udpConn) Source(int) netip.AddrPort { return u.RemoteAddr() }
