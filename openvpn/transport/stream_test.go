package transport

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// TestFromTCP frames packets over a socket that was first used for
// something else, as after a proxy's CONNECT.
func TestFromTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		io.WriteString(c, "OK\n")            // the "proxy" answer
		c.Write([]byte{0, 3, 'a', 'b', 'c'}) // one framed packet
		b := make([]byte, 5)
		io.ReadFull(c, b)
		got <- b
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tc, err := DialStream(ctx, ln.Addr().(*net.TCPAddr).AddrPort())
	if err != nil {
		t.Fatal(err)
	}
	hello := make([]byte, 3)
	if _, err := io.ReadFull(tc, hello); err != nil || string(hello) != "OK\n" {
		t.Fatalf("read %q, %v", hello, err)
	}
	c := FromTCP(tc)
	defer c.Close()
	if c.RemoteAddr() != ln.Addr().(*net.TCPAddr).AddrPort() || c.Proto() != TCP {
		t.Errorf("remote %v proto %v", c.RemoteAddr(), c.Proto())
	}
	bufs, sizes := [][]byte{make([]byte, 100)}, []int{0}
	if n, err := c.ReadBatch(bufs, sizes); err != nil || n != 1 || string(bufs[0][:sizes[0]]) != "abc" {
		t.Fatalf("ReadBatch = %d, %v, %q", n, err, bufs[0][:sizes[0]])
	}
	if err := c.WriteBatch([][]byte{[]byte("xyz")}); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != "\x00\x03xyz" {
		t.Errorf("server got %q", b)
	}
}
