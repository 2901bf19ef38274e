package transport

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// UDP generic receive offload. With UDP_GRO set on the socket, the kernel
// may hand one recvmmsg message holding a run of datagrams from the server
// that arrived together, all of one size but the last, with a control
// message naming that size: one trip through the socket layer for the run.
// ReadBatch cuts such a message back into packets:
//
//   - Nothing coalesced (every count 1): the packets are where recvmmsg put
//     them; nothing is copied.
//   - Otherwise the messages are expanded in place, walking backwards from
//     the last: message i's segments go to the slots from pos(i), the
//     number of segments before it, which is never below i, so no message
//     still to be cut is overwritten.
//   - Segments that do not fit in the caller's buffers are copied, in order,
//     to a carry, which the next ReadBatch hands out without a system call.
//
// A read that found runs shrinks the next read's message count, so that
// the runs fit and the carry stays rare; reads without runs grow it back.
// Floating sockets keep GRO off: Source would need a source per segment.

var groCmsgSpace = unix.CmsgSpace(4)

// groCarry holds segments of a read that did not fit, in arrival order.
type groCarry struct {
	buf  []byte
	lens []int
	next int // index into lens of the next segment to hand out
	off  int // its offset in buf
}

func (c *groCarry) pending() bool { return c.next < len(c.lens) }

func (c *groCarry) add(seg []byte) {
	c.buf = append(c.buf, seg...)
	c.lens = append(c.lens, len(seg))
}

// drain hands out carried segments into bufs; it returns how many.
func (c *groCarry) drain(bufs [][]byte, sizes []int) int {
	k := 0
	for ; k < len(bufs) && c.pending(); k++ {
		l := c.lens[c.next]
		sizes[k] = copy(bufs[k], c.buf[c.off:c.off+l])
		if sizes[k] < l {
			sizes[k] = 0 // larger than its buffer, as MSG_TRUNC
		}
		c.off += l
		c.next++
	}
	if !c.pending() {
		c.buf, c.lens, c.next, c.off = c.buf[:0], c.lens[:0], 0, 0
	}
	return k
}

// enableGRO asks the kernel to coalesce datagrams for this socket.
func enableGRO(rc syscall.RawConn) bool {
	ok := false
	_ = rc.Control(func(fd uintptr) {
		ok = unix.SetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_GRO, 1) == nil
	})
	return ok
}

// groSegment returns the segment size in message i's control data, or 0.
func (u *udpConn) groSegment(i int) int {
	h := &u.rmsgs[i].hdr
	c := u.rcmsg[i*groCmsgSpace : i*groCmsgSpace+int(h.Controllen)]
	for len(c) >= unix.CmsgLen(0) {
		ch := (*unix.Cmsghdr)(unsafe.Pointer(&c[0]))
		l := int(ch.Len)
		if l < unix.CmsgLen(0) || l > len(c) {
			return 0
		}
		if ch.Level == unix.SOL_UDP && ch.Type == unix.UDP_GRO && l >= unix.CmsgLen(4) {
			return int(*(*int32)(unsafe.Pointer(&c[unix.CmsgLen(0)])))
		}
		c = c[min(unix.CmsgSpace(l-unix.CmsgLen(0)), len(c)):]
	}
	return 0
}

// splitGRO cuts the got messages in bufs (sizes[i] bytes each) into
// packets, as the comment at the top of this file says, and returns how
// many packets bufs now hold.
func (u *udpConn) splitGRO(bufs [][]byte, sizes []int, got int) int {
	total, most := 0, 1
	for i := range got {
		seg, cnt := u.groSegment(i), 1
		if seg > 0 && sizes[i] > seg {
			cnt = (sizes[i] + seg - 1) / seg
		} else {
			seg = sizes[i]
		}
		u.rseg[i], u.rcnt[i] = seg, cnt
		total += cnt
		most = max(most, cnt)
	}
	n := len(bufs)
	if total == got {
		u.groRead = min(u.groRead*2, udpBatch)
		return got
	}
	u.groRead = max(1, n/most)
	if total > n {
		// Carry what will not fit first: the in-place moves below may
		// overwrite these bytes' messages.
		pos := 0
		for i := range got {
			for j := range u.rcnt[i] {
				if pos+j >= n {
					start := j * u.rseg[i]
					u.carry.add(bufs[i][start:min(start+u.rseg[i], sizes[i])])
				}
			}
			pos += u.rcnt[i]
		}
	}
	pos := total
	for i := got - 1; i >= 0; i-- {
		seg, cnt, size := u.rseg[i], u.rcnt[i], sizes[i]
		pos -= cnt
		for j := cnt - 1; j >= 0; j-- {
			p := pos + j
			if p >= n {
				continue
			}
			start := j * seg
			end := min(start+seg, size)
			if p != i {
				copy(bufs[p], bufs[i][start:end])
			}
			sizes[p] = end - start
		}
	}
	return min(total, n)
}
