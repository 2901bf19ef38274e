package awsemu

import (
	"net"
	"sync"
	"time"
)

// stream is the net.Conn crypto/tls runs over for one session: the control
// goroutine appends the payloads of in-order control messages (deliver) and
// cuts what TLS writes into control packets (take). Write never blocks, so
// the TLS goroutine and the control goroutine cannot wait on each other.
type stream struct {
	mu       sync.Mutex
	in, out  []byte
	closed   bool
	readable chan struct{} // cap 1
	done     chan struct{}
	kick     chan struct{} // shared with the control goroutine, cap 1
}

func newStream(kick chan struct{}) *stream {
	return &stream{readable: make(chan struct{}, 1), done: make(chan struct{}), kick: kick}
}

func (c *stream) Read(b []byte) (int, error) {
	for {
		c.mu.Lock()
		if len(c.in) > 0 {
			n := copy(b, c.in)
			c.in = c.in[:copy(c.in, c.in[n:])]
			c.mu.Unlock()
			return n, nil
		}
		closed := c.closed
		c.mu.Unlock()
		if closed {
			return 0, net.ErrClosed
		}
		select {
		case <-c.readable:
		case <-c.done:
		}
	}
}

func (c *stream) Write(b []byte) (int, error) {
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

func (c *stream) deliver(p []byte) {
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

func (c *stream) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out)
}

func (c *stream) take(dst []byte, n int) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	n = min(n, len(c.out))
	dst = append(dst[:0], c.out[:n]...)
	c.out = c.out[:copy(c.out, c.out[n:])]
	return dst
}

func (c *stream) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	return nil
}

func (c *stream) LocalAddr() net.Addr                { return streamAddr{} }
func (c *stream) RemoteAddr() net.Addr               { return streamAddr{} }
func (c *stream) SetDeadline(t time.Time) error      { return nil }
func (c *stream) SetReadDeadline(t time.Time) error  { return nil }
func (c *stream) SetWriteDeadline(t time.Time) error { return nil }

type streamAddr struct{}

func (streamAddr) Network() string { return "openvpn-control" }
func (streamAddr) String() string  { return "openvpn-control" }
