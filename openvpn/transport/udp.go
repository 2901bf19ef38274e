package transport

import (
	"net"
	"net/netip"
)

// udpBase holds what every platform's UDP transport shares.
type udpBase struct {
	c *net.UDPConn
}

func (u *udpBase) Proto() Proto               { return UDP }
func (u *udpBase) LocalAddr() netip.AddrPort  { return addrPort(u.c.LocalAddr()) }
func (u *udpBase) RemoteAddr() netip.AddrPort { return addrPort(u.c.RemoteAddr()) }
func (u *udpBase) Close() error               { return u.c.Close() }

// Socket buffers sized for bursts at gigabit rates; the kernel caps them at
// net.core.{r,w}mem_max unless we are privileged.
const udpSocketBuffer = 4 << 20

func tuneUDP(c *net.UDPConn) {
	_ = c.SetReadBuffer(udpSocketBuffer)
	_ = c.SetWriteBuffer(udpSocketBuffer)
}
