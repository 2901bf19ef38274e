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

// udpSocketBuffer sizes both socket buffers: enough for a send batch or a
// burst of coalesced receives (a few 64 KiB super-datagrams), and no more.
// A bigger receive buffer does not add throughput here; it lets a
// standing queue build up whenever the client falls behind, and every
// packet then waits in it: in the lab, under a download at full speed,
// ping through the tunnel took a median 6.9-8.0 ms with 1-4 MiB against
// 5.3-6.0 ms with 256 KiB, at the same throughput (and the same holds
// for the send buffer in front of a slow uplink). Linux's default is
// about the same size; the kernel caps it at net.core.{r,w}mem_max.
const udpSocketBuffer = 256 << 10

func tuneUDP(c *net.UDPConn) {
	_ = c.SetReadBuffer(udpSocketBuffer)
	_ = c.SetWriteBuffer(udpSocketBuffer)
}
