package transport

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// tcpConn frames packets with OpenVPN's 16-bit big-endian length prefix
// (which does not count itself). Reads go through one large buffer so a
// single read system call can yield many packets; writes gather a batch into
// one buffer so a batch costs one write.
type tcpConn struct {
	c *net.TCPConn

	rbuf       []byte // unread bytes are rbuf[rpos:rend]
	rpos, rend int

	wmu  sync.Mutex
	wbuf []byte
}

const tcpReadBuffer = 256 << 10

// tcpWriteTimeout bounds one batch write. A server that stops reading
// (hung, or gone without a reset) would otherwise block the writer, and with
// it the control loop, forever once the socket buffers fill; a timeout
// turns that into a link error, and the session reconnects.
var tcpWriteTimeout = 30 * time.Second

func newTCP(c *net.TCPConn) *tcpConn {
	return &tcpConn{c: c, rbuf: make([]byte, tcpReadBuffer), wbuf: make([]byte, 0, tcpReadBuffer)}
}

func (t *tcpConn) Proto() Proto               { return TCP }
func (t *tcpConn) BatchSize() int             { return 128 }
func (t *tcpConn) LocalAddr() netip.AddrPort  { return addrPort(t.c.LocalAddr()) }
func (t *tcpConn) RemoteAddr() netip.AddrPort { return addrPort(t.c.RemoteAddr()) }
func (t *tcpConn) Close() error               { return t.c.Close() }

// ReadBatch returns the packets already buffered, reading from the socket
// only when not even one whole packet is buffered.
func (t *tcpConn) ReadBatch(bufs [][]byte, sizes []int) (int, error) {
	n := 0
	for n < len(bufs) {
		if t.rend-t.rpos < 2 || t.rend-t.rpos < 2+int(binary.BigEndian.Uint16(t.rbuf[t.rpos:])) {
			if n > 0 {
				return n, nil
			}
			if err := t.fill(); err != nil {
				return 0, err
			}
			continue
		}
		l := int(binary.BigEndian.Uint16(t.rbuf[t.rpos:]))
		pkt := t.rbuf[t.rpos+2 : t.rpos+2+l]
		t.rpos += 2 + l
		if l == 0 || l > len(bufs[n]) {
			continue // empty or oversized: drop, the stream stays in sync
		}
		sizes[n] = copy(bufs[n], pkt)
		n++
	}
	return n, nil
}

// fill reads more of the stream, first moving the unread tail to the front.
func (t *tcpConn) fill() error {
	if t.rpos > 0 {
		t.rend = copy(t.rbuf, t.rbuf[t.rpos:t.rend])
		t.rpos = 0
	}
	m, err := t.c.Read(t.rbuf[t.rend:])
	if m > 0 {
		t.rend += m
		return nil
	}
	if err == io.EOF {
		return fmt.Errorf("read tcp %s: %w", t.RemoteAddr(), io.ErrUnexpectedEOF)
	}
	if err != nil {
		return fmt.Errorf("read tcp %s: %w", t.RemoteAddr(), err)
	}
	return nil
}

func (t *tcpConn) WriteBatch(bufs [][]byte) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	w := t.wbuf[:0]
	for _, b := range bufs {
		if len(b) > MaxPacket {
			return fmt.Errorf("write tcp: packet of %d bytes exceeds %d", len(b), MaxPacket)
		}
		w = binary.BigEndian.AppendUint16(w, uint16(len(b)))
		w = append(w, b...)
	}
	t.wbuf = w[:0]
	if err := t.c.SetWriteDeadline(time.Now().Add(tcpWriteTimeout)); err != nil {
		return fmt.Errorf("write tcp %s: %w", t.RemoteAddr(), err)
	}
	if _, err := t.c.Write(w); err != nil {
		return fmt.Errorf("write tcp %s: %w", t.RemoteAddr(), err)
	}
	return nil
}
