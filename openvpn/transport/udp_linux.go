package transport

import (
	"fmt"
	"net"
	"sync"
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
	for i := range n {
		u.riovs[i].Base = &bufs[i][0]
		u.riovs[i].SetLen(len(bufs[i]))
		u.rmsgs[i].hdr.Flags = 0
	}
	u.rn, u.rgot, u.rerr = n, 0, 0
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
	return got, nil
}

func (u *udpConn) WriteBatch(bufs [][]byte) error {
	u.wmu.Lock()
	defer u.wmu.Unlock()
	for len(bufs) > 0 {
		n := min(len(bufs), udpBatch)
		for i := range n {
			u.wiovs[i].Base = &bufs[i][0]
			u.wiovs[i].SetLen(len(bufs[i]))
		}
		for u.wsent, u.wto = 0, n; u.wsent < n; {
			u.werr = 0
			err := u.rc.Write(u.writeFn)
			if err == nil && u.werr != 0 {
				err = u.werr
			}
			if err != nil {
				return fmt.Errorf("write udp %s: %w", u.RemoteAddr(), err)
			}
		}
		bufs = bufs[n:]
	}
	return nil
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
