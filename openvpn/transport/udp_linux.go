package transport

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// udpConn moves whole batches of datagrams with one recvmmsg or sendmmsg
// call on a connected socket. Because the socket is connected, no addresses
// are exchanged with the kernel, and the headers and iovecs are allocated
// once, so the data path allocates nothing.
type udpConn struct {
	udpBase
	rc syscall.RawConn

	rmsgs []mmsghdr // used only by the single reader
	riovs []unix.Iovec
	// The raw-conn callbacks are bound once and pass their results through
	// these fields: a closure made per call would allocate per batch.
	readFn   func(fd uintptr) bool
	rn, rgot int
	rerr     syscall.Errno
	writeFn  func(fd uintptr) bool
	wto      int
	wsent    int
	werr     syscall.Errno

	wmu   sync.Mutex
	wmsgs []mmsghdr
	wiovs []unix.Iovec
	// With UDP generic segmentation offload, a run of equal-sized packets
	// goes to the kernel as one message whose iovecs it cuts into
	// datagrams: one trip through the UDP stack per run, not per packet.
	gso   bool
	wcmsg []byte // one UDP_SEGMENT control message per wmsgs entry

	// UDP generic receive offload (udp_gro_linux.go); reader only.
	gro     bool
	groRead int    // how many messages the next read asks for
	rcmsg   []byte // one control message buffer per rmsgs entry
	rseg    []int  // per message of the last read: segment size
	rcnt    []int  // and segment count
	carry   groCarry

	// For a floating (unconnected) socket, DialFloat: the sources of the
	// last batch read, and the peer every write goes to.
	rnames  []unix.RawSockaddrInet6 // large enough for either family
	peerSA  unix.RawSockaddrInet6   // under wmu
	peerLen uint32
	peer    atomic.Pointer[netip.AddrPort]
}

// mmsghdr mirrors struct mmsghdr; Go's struct padding matches C's on both
// 32- and 64-bit targets.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

const udpBatch = 128

func newUDP(c *net.UDPConn) (Conn, error) {
	tuneUDP(c)
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("udp socket: %w", err)
	}
	u := &udpConn{
		udpBase: udpBase{c: c},
		rc:      rc,
		rmsgs:   make([]mmsghdr, udpBatch),
		riovs:   make([]unix.Iovec, udpBatch),
		wmsgs:   make([]mmsghdr, udpBatch),
		wiovs:   make([]unix.Iovec, udpBatch),
		wcmsg:   make([]byte, udpBatch*gsoCmsgSpace),
	}
	u.gso = probeGSO(rc)
	if enableGRO(rc) {
		u.gro, u.groRead = true, udpBatch
		u.rcmsg = make([]byte, udpBatch*groCmsgSpace)
		u.rseg, u.rcnt = make([]int, udpBatch), make([]int, udpBatch)
	}
	u.readFn, u.writeFn = u.recvmmsg, u.sendmmsg
	for i := range udpBatch {
		u.rmsgs[i].hdr.Iov = &u.riovs[i]
		u.rmsgs[i].hdr.SetIovlen(1)
		u.wmsgs[i].hdr.Iov = &u.wiovs[i]
		u.wmsgs[i].hdr.SetIovlen(1)
	}
	return u, nil
}

func (u *udpConn) BatchSize() int { return udpBatch }

func (u *udpConn) ReadBatch(bufs [][]byte, sizes []int) (int, error) {
	n := min(len(bufs), udpBatch)
	if u.carry.pending() {
		return u.carry.drain(bufs[:n], sizes), nil
	}
	r := n
	if u.gro {
		r = min(n, u.groRead)
	}
	for i := range r {
		u.riovs[i].Base = &bufs[i][0]
		u.riovs[i].SetLen(len(bufs[i]))
		u.rmsgs[i].hdr.Flags = 0
		if u.rnames != nil {
			u.rmsgs[i].hdr.Name = (*byte)(unsafe.Pointer(&u.rnames[i]))
			u.rmsgs[i].hdr.Namelen = uint32(unsafe.Sizeof(u.rnames[i]))
		}
		if u.gro {
			u.rmsgs[i].hdr.Control = &u.rcmsg[i*groCmsgSpace]
			u.rmsgs[i].hdr.SetControllen(groCmsgSpace)
		}
	}
	u.rn, u.rgot, u.rerr = r, 0, 0
	err := u.rc.Read(u.readFn)
	got := u.rgot
	if err == nil && u.rerr != 0 {
		err = u.rerr
	}
	if err != nil {
		return 0, fmt.Errorf("read udp %s: %w", u.RemoteAddr(), err)
	}
	for i := range got {
		sizes[i] = int(u.rmsgs[i].n)
		if u.rmsgs[i].hdr.Flags&unix.MSG_TRUNC != 0 {
			sizes[i] = 0 // larger than its buffer: not a packet we could have sent for
		}
	}
	if u.gro {
		got = u.splitGRO(bufs[:n], sizes, got)
	}
	return got, nil
}

func (u *udpConn) WriteBatch(bufs [][]byte) error {
	u.wmu.Lock()
	defer u.wmu.Unlock()
	for len(bufs) > 0 {
		n := min(len(bufs), udpBatch)
		for i := range n {
			if len(bufs[i]) == 0 {
				return fmt.Errorf("write udp %s: empty packet", u.RemoteAddr())
			}
			u.wiovs[i].Base = &bufs[i][0]
			u.wiovs[i].SetLen(len(bufs[i]))
		}
		msgs := u.fillMessages(bufs[:n])
		err := u.send(msgs)
		if err != nil && u.gso && (err == unix.EIO || err == unix.EINVAL) {
			// The route's device cannot checksum segments for us (EIO),
			// or the kernel refuses the segment size: fall back for good.
			u.gso = false
			err = u.send(u.fillMessages(bufs[:n]))
		}
		if err != nil {
			return fmt.Errorf("write udp %s: %w", u.RemoteAddr(), err)
		}
		bufs = bufs[n:]
	}
	return nil
}

// fillMessages points u.wmsgs at the iovecs of bufs and returns how many
// messages carry them: one per packet, or with GSO one per run of packets
// of the same size (the run's last packet may be shorter).
func (u *udpConn) fillMessages(bufs [][]byte) int {
	m := 0
	for i := 0; i < len(bufs); m++ {
		size := len(bufs[i])
		j, total := i+1, size
		if u.gso {
			for j < len(bufs) && j-i < gsoMaxSegments && len(bufs[j]) <= size && total+len(bufs[j]) <= gsoMaxBytes {
				total += len(bufs[j])
				j++
				if len(bufs[j-1]) < size {
					break
				}
			}
		}
		h := &u.wmsgs[m].hdr
		if u.rnames != nil {
			h.Name, h.Namelen = (*byte)(unsafe.Pointer(&u.peerSA)), u.peerLen
		}
		h.Iov = &u.wiovs[i]
		h.SetIovlen(j - i)
		h.Control, h.Controllen = nil, 0
		if j-i > 1 {
			c := u.wcmsg[m*gsoCmsgSpace : (m+1)*gsoCmsgSpace]
			putGSOCmsg(c, uint16(size))
			h.Control = &c[0]
			h.SetControllen(len(c))
		}
		i = j
	}
	return m
}

// send hands messages 0..n-1 to sendmmsg until all have gone.
func (u *udpConn) send(n int) error {
	for u.wsent, u.wto = 0, n; u.wsent < n; {
		u.werr = 0
		if err := u.rc.Write(u.writeFn); err != nil {
			return err
		}
		if u.werr != 0 {
			return u.werr
		}
	}
	return nil
}

const (
	gsoMaxSegments = 64    // UDP_MAX_SEGMENTS in older kernels
	gsoMaxBytes    = 65000 // keeps the super-datagram under 64 KiB with headers
)

var gsoCmsgSpace = unix.CmsgSpace(2)

// putGSOCmsg writes a UDP_SEGMENT control message carrying size into c.
func putGSOCmsg(c []byte, size uint16) {
	h := (*unix.Cmsghdr)(unsafe.Pointer(&c[0]))
	h.Level, h.Type = unix.SOL_UDP, unix.UDP_SEGMENT
	h.SetLen(unix.CmsgLen(2))
	*(*uint16)(unsafe.Pointer(&c[unix.CmsgLen(0)])) = size
}

// probeGSO reports whether the kernel accepts UDP_SEGMENT on this socket.
func probeGSO(rc syscall.RawConn) bool {
	ok := false
	_ = rc.Control(func(fd uintptr) {
		_, err := unix.GetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_SEGMENT)
		ok = err == nil
	})
	return ok
}

// recvmmsg is readFn: one recvmmsg for u.rn messages.
func (u *udpConn) recvmmsg(fd uintptr) bool {
	r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&u.rmsgs[0])), uintptr(u.rn), unix.MSG_DONTWAIT, 0, 0)
	if e == unix.EAGAIN || e == unix.EINTR {
		return false
	}
	u.rgot, u.rerr = int(r), e
	return true
}

// sendmmsg is writeFn: one sendmmsg of messages u.wsent..u.wto.
func (u *udpConn) sendmmsg(fd uintptr) bool {
	r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&u.wmsgs[u.wsent])), uintptr(u.wto-u.wsent), unix.MSG_DONTWAIT, 0, 0)
	if e == unix.EAGAIN || e == unix.EINTR {
		return false
	}
	if e != 0 {
		u.werr = e
	} else {
		u.wsent += int(r)
	}
	return true
}

// dialFloat opens an unconnected socket of raddr's family whose writes go
// to raddr until SetPeer moves them.
func dialFloat(raddr netip.AddrPort) (Conn, error) {
	network := "udp4"
	if raddr.Addr().Is6() && !raddr.Addr().Is4In6() {
		network = "udp6"
	}
	c, err := net.ListenUDP(network, nil)
	if err != nil {
		return nil, fmt.Errorf("dial udp %s (float): %w", raddr, err)
	}
	conn, err := newUDP(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	u := conn.(*udpConn)
	if u.gro {
		// Source names one address per message, not per segment.
		_ = u.rc.Control(func(fd uintptr) { _ = unix.SetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_GRO, 0) })
		u.gro = false
	}
	u.rnames = make([]unix.RawSockaddrInet6, udpBatch)
	u.SetPeer(raddr)
	return u, nil
}

// RemoteAddr is the peer: the connected one, or a floating socket's.
func (u *udpConn) RemoteAddr() netip.AddrPort {
	if p := u.peer.Load(); p != nil {
		return *p
	}
	return u.udpBase.RemoteAddr()
}

// SetPeer sends from now on to addr (Floating).
func (u *udpConn) SetPeer(addr netip.AddrPort) {
	if u.rnames == nil {
		return // connected: the kernel holds the peer
	}
	u.wmu.Lock()
	defer u.wmu.Unlock()
	u.peerSA = unix.RawSockaddrInet6{}
	a := addr.Addr().Unmap()
	if a.Is4() {
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&u.peerSA))
		sa.Family, sa.Addr = unix.AF_INET, a.As4()
		putPort(&sa.Port, addr.Port())
		u.peerLen = unix.SizeofSockaddrInet4
	} else {
		u.peerSA.Family, u.peerSA.Addr = unix.AF_INET6, a.As16()
		putPort(&u.peerSA.Port, addr.Port())
		u.peerLen = unix.SizeofSockaddrInet6
	}
	p := netip.AddrPortFrom(a, addr.Port())
	u.peer.Store(&p)
}

// Source is where packet i of the last ReadBatch came from (Floating);
// the peer for a connected socket.
func (u *udpConn) Source(i int) netip.AddrPort {
	if u.rnames == nil {
		return u.RemoteAddr()
	}
	sa := &u.rnames[i]
	switch sa.Family {
	case unix.AF_INET:
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), getPort(&sa4.Port))
	case unix.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), getPort(&sa.Port))
	}
	return netip.AddrPort{}
}

// putPort and getPort store a port in network byte order in a sockaddr's
// port field.
func putPort(p *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(p))
	b[0], b[1] = byte(port>>8), byte(port)
}

func getPort(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}
