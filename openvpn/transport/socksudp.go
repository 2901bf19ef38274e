package transport

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// relayConn carries OpenVPN's UDP packets through a SOCKS5 UDP relay: each
// datagram to the relay starts with a header naming the server, and each
// from it with one naming the sender, which is stripped. The association
// lives as long as the proxy's TCP control connection, so that is watched:
// when the proxy closes it, reads fail and the session reconnects.
//
// One datagram per system call: relayed UDP is for networks where nothing
// else gets out, not for speed.
type relayConn struct {
	c     *net.UDPConn // connected to the relay
	ctrl  net.Conn
	hdr   []byte
	strip func([]byte) ([]byte, error)

	rbuf   []byte
	wmu    sync.Mutex
	wbuf   []byte
	ended  atomic.Bool // the proxy ended the association
	closed atomic.Bool // Close was called
	once   sync.Once
	done   chan struct{}
}

// FromRelay frames OpenVPN packets over c, a UDP socket connected to a
// SOCKS5 relay, prefixing hdr to each packet sent and removing the header
// of each received with strip (packets it refuses are dropped). ctrl is the
// TCP connection that holds the association; Close closes it too.
func FromRelay(c *net.UDPConn, ctrl net.Conn, hdr []byte, strip func([]byte) ([]byte, error)) Conn {
	tuneUDP(c)
	r := &relayConn{c: c, ctrl: ctrl, hdr: hdr, strip: strip,
		rbuf: make([]byte, MaxPacket+512), wbuf: make([]byte, 0, MaxPacket+512), done: make(chan struct{})}
	go r.watch()
	return r
}

// watch waits for the control connection to end (the proxy sends nothing
// on it) and then unblocks the reader.
func (r *relayConn) watch() {
	defer close(r.done)
	_, _ = io.Copy(io.Discard, r.ctrl)
	r.ended.Store(true)
	_ = r.c.Close()
}

// HeaderOverhead is what the relay header adds to every packet, which
// mssfix must count.
func (r *relayConn) HeaderOverhead() int { return len(r.hdr) }

func (r *relayConn) Proto() Proto               { return UDP }
func (r *relayConn) BatchSize() int             { return 1 }
func (r *relayConn) LocalAddr() netip.AddrPort  { return addrPort(r.c.LocalAddr()) }
func (r *relayConn) RemoteAddr() netip.AddrPort { return addrPort(r.c.RemoteAddr()) }

func (r *relayConn) Close() error {
	var err error
	r.once.Do(func() {
		r.closed.Store(true)
		err = errors.Join(r.c.Close(), r.ctrl.Close())
		<-r.done
	})
	return err
}

func (r *relayConn) ReadBatch(bufs [][]byte, sizes []int) (int, error) {
	if len(bufs) == 0 {
		return 0, nil
	}
	for {
		n, err := r.c.Read(r.rbuf)
		if err != nil {
			if r.ended.Load() && !r.closed.Load() {
				return 0, fmt.Errorf("read udp relay %s: the proxy ended the UDP association", r.RemoteAddr())
			}
			return 0, fmt.Errorf("read udp relay %s: %w", r.RemoteAddr(), err)
		}
		pkt, err := r.strip(r.rbuf[:n])
		if err != nil || len(pkt) == 0 || len(pkt) > len(bufs[0]) {
			continue
		}
		sizes[0] = copy(bufs[0], pkt)
		return 1, nil
	}
}

func (r *relayConn) WriteBatch(bufs [][]byte) error {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	for _, b := range bufs {
		if len(b) > MaxPacket {
			return fmt.Errorf("write udp relay: packet of %d bytes exceeds %d", len(b), MaxPacket)
		}
		w := append(append(r.wbuf[:0], r.hdr...), b...)
		if _, err := r.c.Write(w); err != nil {
			return fmt.Errorf("write udp relay %s: %w", r.RemoteAddr(), err)
		}
	}
	return nil
}
