package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// DialStream opens a plain TCP connection to raddr, with the socket
// options the TCP transport uses, for a caller that must speak to it first:
// a proxy's CONNECT handshake. FromTCP then makes it a Conn.
func DialStream(ctx context.Context, raddr netip.AddrPort) (*net.TCPConn, error) {
	d := net.Dialer{KeepAlive: 30 * time.Second}
	c, err := d.DialContext(ctx, "tcp", raddr.String())
	if err != nil {
		return nil, fmt.Errorf("dial tcp %s: %w", raddr, err)
	}
	tc := c.(*net.TCPConn)
	// Packets are latency-sensitive; batching is done by WriteBatch itself.
	_ = tc.SetNoDelay(true)
	return tc, nil
}

// FromTCP frames OpenVPN packets over an already connected TCP socket, such
// as one a proxy has connected through to the server. Nothing may have been
// read from it past the proxy's answer. RemoteAddr is then the proxy's
// address: the one traffic actually goes to.
func FromTCP(c *net.TCPConn) Conn {
	_ = c.SetNoDelay(true)
	return newTCP(c)
}
