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
	var got int
	var serr syscall.Errno
	err := u.rc.Read(func(fd uintptr) bool {
		r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&u.rmsgs[0])), uintptr(n), unix.MSG_DONTWAIT, 0, 0)
		if e == unix.EAGAIN || e == unix.EINTR {
			return false
		}
		got, serr = int(r), e
		return true
	})
	if err == nil && serr != 0 {
		err = serr
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
		for sent := 0; sent < n; {
			var serr syscall.Errno
			err := u.rc.Write(func(fd uintptr) bool {
				r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&u.wmsgs[sent])), uintptr(n-sent), unix.MSG_DONTWAIT, 0, 0)
				if e == unix.EAGAIN || e == unix.EINTR {
					return false
				}
				if e != 0 {
					serr = e
				} else {
					sent += int(r)
				}
				return true
			})
			if err == nil && serr != 0 {
				err = serr
			}
			if err != nil {
				return fmt.Errorf("write udp %s: %w", u.RemoteAddr(), err)
			}
		}
		bufs = bufs[n:]
	}
	return nil
}
