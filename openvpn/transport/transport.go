// Package transport carries OpenVPN packets between the client and one
// server over UDP or TCP. It knows the framing of each (one packet per
// datagram; a 16-bit length before each packet on TCP) and nothing about what
// the packets mean.
//
// Both transports move packets in batches, so the data path costs a few
// system calls per batch rather than two per packet, and neither allocates
// per packet.
package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// Proto is the transport protocol of a connection.
type Proto string

// The two transports OpenVPN defines.
const (
	UDP Proto = "udp"
	TCP Proto = "tcp"
)

// MaxPacket is the largest OpenVPN packet either transport carries. TCP's
// 16-bit length field bounds it; UDP datagrams this large would be fragmented
// by IP anyway.
const MaxPacket = 65535

// Conn carries OpenVPN packets to and from one server.
//
// ReadBatch is called by one goroutine and WriteBatch by any number, but not
// concurrently with each other's own kind: the engine has a single reader,
// and serialises its writers.
type Conn interface {
	// ReadBatch blocks until at least one packet has arrived, then stores up
	// to len(bufs) packets, packet i in bufs[i][:sizes[i]], and returns how
	// many it stored. Packets larger than their buffer are dropped.
	ReadBatch(bufs [][]byte, sizes []int) (int, error)
	// WriteBatch sends each buffer as one packet, in order.
	WriteBatch(bufs [][]byte) error
	// BatchSize is the most packets a single ReadBatch or WriteBatch call
	// handles; callers size their buffer slices by it.
	BatchSize() int
	// Proto is UDP or TCP.
	Proto() Proto
	// LocalAddr and RemoteAddr are the two ends of the connection.
	LocalAddr() netip.AddrPort
	RemoteAddr() netip.AddrPort
	// Close unblocks ReadBatch and releases the socket.
	Close() error
}

// HeaderOverhead returns what c adds in front of each packet beyond the
// transport's own framing (a SOCKS relay's header), which mssfix counts.
func HeaderOverhead(c Conn) int {
	if o, ok := c.(interface{ HeaderOverhead() int }); ok {
		return o.HeaderOverhead()
	}
	return 0
}

// ErrClosed is returned by ReadBatch and WriteBatch once Close was called.
var ErrClosed = net.ErrClosed

// Dial connects to the server at raddr over proto. For UDP, "connect" only
// fixes the peer: the kernel then drops datagrams from anyone else, and the
// source address and port stay the same for the whole session, as a 2.6
// server's stateless handshake requires.
func Dial(ctx context.Context, proto Proto, raddr netip.AddrPort) (Conn, error) {
	switch proto {
	case UDP:
		return dialUDP(ctx, raddr)
	case TCP:
		return dialTCP(ctx, raddr)
	}
	return nil, fmt.Errorf("dial %s: unknown transport %q (want udp or tcp)", raddr, proto)
}

// Floating is a UDP Conn that hears datagrams from any address (DialFloat):
// the engine follows a server that moved (float) once a packet from its
// new address proves authentic, and drops the rest.
type Floating interface {
	Conn
	// Source is where packet i of the last ReadBatch came from.
	Source(i int) netip.AddrPort
	// SetPeer makes addr the destination of every later write.
	SetPeer(addr netip.AddrPort)
}

// DialFloat opens a UDP socket that is not connected to raddr, so that
// datagrams from a new server address reach the engine (the profile's
// float), and sends to raddr until SetPeer. Unlike Dial's socket, the
// kernel picks the source address per datagram, so the client keeps
// working from a new local address too. Where the batching socket is not
// implemented it returns Dial's connected socket.
func DialFloat(raddr netip.AddrPort) (Floating, error) {
	c, err := dialFloat(raddr)
	if err != nil {
		return nil, err
	}
	return c.(Floating), nil
}

func dialUDP(ctx context.Context, raddr netip.AddrPort) (Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", raddr.String())
	if err != nil {
		return nil, fmt.Errorf("dial udp %s: %w", raddr, err)
	}
	return newUDP(c.(*net.UDPConn))
}

func dialTCP(ctx context.Context, raddr netip.AddrPort) (Conn, error) {
	tc, err := DialStream(ctx, raddr)
	if err != nil {
		return nil, err
	}
	return newTCP(tc), nil
}

func addrPort(a net.Addr) netip.AddrPort {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort()
	case *net.TCPAddr:
		return a.AddrPort()
	}
	return netip.AddrPort{}
}

// IsClosed reports whether err means the connection was closed locally.
func IsClosed(err error) bool { return errors.Is(err, net.ErrClosed) }
