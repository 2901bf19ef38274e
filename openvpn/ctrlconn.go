package openvpn

import (
	"net"
	"sync"
	"time"
)

// ctrlConn is the net.Conn crypto/tls runs over for one key state. It does
// no I/O itself: the control goroutine appends the payloads of in-order
// control messages to the inbound stream (deliver) and cuts the outbound
// stream into control packets (take), so TLS records may span packets in
// both directions, as OpenVPN's do.
//
// Write never blocks: it only buffers and wakes the control goroutine. That
// matters because the control goroutine itself writes control messages
// (PUSH_REQUEST, EXIT) through the tls.Conn; a blocking Write would wait on
// the goroutine that has to drain it. Backpressure comes from the
// reliability layer's send window, which limits how fast take drains the
// buffer; TLS writes are a handshake flight or a control message, so the
// buffer stays small.
type ctrlConn struct {
	mu     sync.Mutex
	in     []byte // received, not yet read
	out    []byte // written, not yet packetised
	closed bool
	// blocked counts Reads waiting for input, so a test can tell that the
	// TLS goroutine has consumed everything and is idle (idle).
	blocked int

	readable chan struct{} // cap 1: in grew
	done     chan struct{} // closed by close
	kick     chan struct{} // cap 1, shared: out grew (wakes the control goroutine)
}

func newCtrlConn(kick chan struct{}) *ctrlConn {
	return &ctrlConn{readable: make(chan struct{}, 1), done: make(chan struct{}), kick: kick}
}

// Read returns inbound stream bytes, waiting for some.
func (c *ctrlConn) Read(b []byte) (int, error) {
	for {
		c.mu.Lock()
		if len(c.in) > 0 {
			n := copy(b, c.in)
			c.in = c.in[:copy(c.in, c.in[n:])]
			c.mu.Unlock()
			return n, nil
		}
		closed := c.closed
		if !closed {
			c.blocked++
		}
		c.mu.Unlock()
		if closed {
			return 0, net.ErrClosed
		}
		select {
		case <-c.readable:
		case <-c.done:
		}
		c.mu.Lock()
		c.blocked--
		c.mu.Unlock()
	}
}

// idle reports whether a Read is waiting and nothing is left to read: the
// TLS goroutine has acted on everything delivered so far.
func (c *ctrlConn) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.blocked > 0 && len(c.in) == 0
}

// Write buffers b for the control goroutine.
func (c *ctrlConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	c.out = append(c.out, b...)
	c.mu.Unlock()
	select {
	case c.kick <- struct{}{}:
	default:
	}
	return len(b), nil
}

// deliver appends received in-order payload bytes to the inbound stream.
func (c *ctrlConn) deliver(p []byte) {
	if len(p) == 0 {
		return
	}
	c.mu.Lock()
	c.in = append(c.in, p...)
	c.mu.Unlock()
	select {
	case c.readable <- struct{}{}:
	default:
	}
}

// pending reports how many written bytes wait to be packetised.
func (c *ctrlConn) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out)
}

// take moves up to n bytes of the outbound stream into dst[:0].
func (c *ctrlConn) take(dst []byte, n int) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	n = min(n, len(c.out))
	dst = append(dst[:0], c.out[:n]...)
	c.out = c.out[:copy(c.out, c.out[n:])]
	return dst
}

// Close unblocks Read and makes later Reads and Writes fail.
func (c *ctrlConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	return nil
}

// The rest of net.Conn. crypto/tls sets a write deadline only while
// sending a close_notify, which never waits here, and the control
// goroutine bounds every handshake with its own timers.
func (c *ctrlConn) LocalAddr() net.Addr                { return ctrlAddr{} }
func (c *ctrlConn) RemoteAddr() net.Addr               { return ctrlAddr{} }
func (c *ctrlConn) SetDeadline(t time.Time) error      { return nil }
func (c *ctrlConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *ctrlConn) SetWriteDeadline(t time.Time) error { return nil }

type ctrlAddr struct{}

func (ctrlAddr) Network() string { return "openvpn-control" }
func (ctrlAddr) String() string  { return "openvpn-control" }
