package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// waitBlocked waits until a goroutine is parked in the network poller with
// fn in its stack, and fails if returned (the reader's result) has a value
// first: the proof that a read blocks before the test unblocks it, which a
// sleep cannot give.
func waitBlocked[T any](t *testing.T, fn string, returned chan T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, 1<<20)
	for {
		select {
		case v := <-returned:
			t.Fatalf("%s returned %v before anything unblocked it", fn, v)
		default:
		}
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if strings.Contains(g, "[IO wait") && strings.Contains(g, fn) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine blocked in %s within 5 s:\n%s", fn, buf[:n])
		}
		runtime.Gosched()
	}
}

// echoServer answers every packet it gets with the same bytes, framed the
// way the transport under test expects, so both directions are exercised
// against a peer that uses only the standard library.
func udpEcho(t *testing.T) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 70000)
		for {
			n, from, err := pc.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			pc.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

func tcpEcho(t *testing.T, chunk int) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		var hdr [2]byte
		for {
			if _, err := io.ReadFull(c, hdr[:]); err != nil {
				return
			}
			pkt := make([]byte, binary.BigEndian.Uint16(hdr[:]))
			if _, err := io.ReadFull(c, pkt); err != nil {
				return
			}
			out := append(hdr[:], pkt...)
			// Dribble the reply out in small pieces so the reader must
			// reassemble frames that straddle reads.
			for len(out) > 0 {
				k := min(chunk, len(out))
				if _, err := c.Write(out[:k]); err != nil {
					return
				}
				out = out[k:]
			}
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		proto Proto
		addr  func(t *testing.T) netip.AddrPort
	}{
		{"udp", UDP, udpEcho},
		{"tcp", TCP, func(t *testing.T) netip.AddrPort { return tcpEcho(t, 1<<20) }},
		{"tcp dribbled", TCP, func(t *testing.T) netip.AddrPort { return tcpEcho(t, 3) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := Dial(ctx, tc.proto, tc.addr(t))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Proto() != tc.proto || !c.RemoteAddr().IsValid() || !c.LocalAddr().IsValid() {
				t.Fatalf("proto/addrs: %v %v %v", c.Proto(), c.LocalAddr(), c.RemoteAddr())
			}
			const count = 40
			out := make([][]byte, count)
			// Runs of equal sizes closed by a shorter packet, then growing
			// sizes: with UDP GSO each run becomes one super-datagram the
			// kernel must cut back into exactly these packets.
			for i := range out {
				size := 1200
				if i%7 == 6 {
					size = 300 + i
				}
				if i >= 28 {
					size = 100 + i*30
				}
				out[i] = bytes.Repeat([]byte{byte(i + 1)}, size)
			}
			if err := c.WriteBatch(out); err != nil {
				t.Fatal(err)
			}
			bufs := make([][]byte, c.BatchSize())
			for i := range bufs {
				bufs[i] = make([]byte, 2048)
			}
			sizes := make([]int, len(bufs))
			var got [][]byte
			deadline := time.Now().Add(5 * time.Second)
			for len(got) < count && time.Now().Before(deadline) {
				n, err := c.ReadBatch(bufs, sizes)
				if err != nil {
					t.Fatal(err)
				}
				for i := range n {
					got = append(got, append([]byte(nil), bufs[i][:sizes[i]]...))
				}
			}
			if len(got) != count {
				t.Fatalf("got %d packets, want %d", len(got), count)
			}
			for i := range got {
				if !bytes.Equal(got[i], out[i]) {
					t.Fatalf("packet %d: got %d bytes of %x, want %d of %x", i, len(got[i]), got[i][0], len(out[i]), out[i][0])
				}
			}
		})
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	for _, proto := range []Proto{UDP, TCP} {
		t.Run(string(proto), func(t *testing.T) {
			addr := udpEcho(t)
			if proto == TCP {
				addr = tcpEcho(t, 1<<20)
			}
			c, err := Dial(context.Background(), proto, addr)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := c.ReadBatch([][]byte{make([]byte, 100)}, []int{0})
				done <- err
			}()
			waitBlocked(t, "ReadBatch", done)
			c.Close()
			select {
			case err := <-done:
				if !IsClosed(err) {
					t.Fatalf("read after close: %v, want a closed error", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("ReadBatch still blocked after Close")
			}
		})
	}
}

// tcpPeer listens on loopback, hands the first connection it accepts to
// serve (in a goroutine of its own), and returns the address to dial.
func tcpPeer(tb testing.TB, serve func(net.Conn)) netip.AddrPort {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		if c, err := ln.Accept(); err == nil {
			serve(c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

func TestTCPPeerHangUp(t *testing.T) {
	addr := tcpPeer(t, func(c net.Conn) {
		c.Write([]byte{0, 10, 1, 2}) // half a packet, then gone
		c.Close()
	})
	c, err := Dial(context.Background(), TCP, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.ReadBatch([][]byte{make([]byte, 100)}, []int{0})
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want unexpected EOF", err)
	}
}

// A server that accepts but never reads must not block a writer forever.
func TestTCPWriteTimeout(t *testing.T) {
	defer func(d time.Duration) { tcpWriteTimeout = d }(tcpWriteTimeout)
	tcpWriteTimeout = 200 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			held <- c // accepted, never read
		}
	}()
	c, err := Dial(context.Background(), TCP, ln.Addr().(*net.TCPAddr).AddrPort())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer func() {
		if sc := <-held; sc != nil {
			sc.Close()
		}
	}()
	batch := make([][]byte, 64)
	for i := range batch {
		batch[i] = make([]byte, 1400)
	}
	for i := 0; ; i++ {
		err := c.WriteBatch(batch)
		if err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("write failed with %v, want a deadline error", err)
			}
			return
		}
		if i > 100000 {
			t.Fatal("wrote gigabytes to a peer that never reads")
		}
	}
}

func TestDialUnknownProto(t *testing.T) {
	_, err := Dial(context.Background(), "sctp", netip.MustParseAddrPort("127.0.0.1:1"))
	if err == nil {
		t.Fatal("no error for unknown transport")
	}
}

func BenchmarkUDPWriteBatch(b *testing.B) {
	// Send into a bound but never read socket on loopback: this measures the
	// client side of the system-call path only.
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close()
	c, err := Dial(context.Background(), UDP, pc.LocalAddr().(*net.UDPAddr).AddrPort())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	bufs := make([][]byte, c.BatchSize())
	for i := range bufs {
		bufs[i] = make([]byte, 1400)
	}
	b.SetBytes(int64(1400 * len(bufs)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteBatch(bufs); err != nil {
			b.Fatal(fmt.Errorf("batch: %w", err))
		}
	}
}

// TestUDPBatchNoAllocs pins the data-path promise: moving a batch through
// the UDP transport allocates nothing.
func TestUDPBatchNoAllocs(t *testing.T) {
	c, err := Dial(context.Background(), UDP, udpEcho(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out := [][]byte{make([]byte, 1400), make([]byte, 1400)}
	in := [][]byte{make([]byte, 2048), make([]byte, 2048)}
	sizes := make([]int, 2)
	allocs := testing.AllocsPerRun(50, func() {
		if err := c.WriteBatch(out); err != nil {
			t.Fatal(err)
		}
		for got := 0; got < len(out); {
			n, err := c.ReadBatch(in[:len(out)-got], sizes)
			if err != nil {
				t.Fatal(err)
			}
			got += n
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per batch round trip, want 0", allocs)
	}
}

// BenchmarkTCPWriteBatch sends batches of 45 packets (a 64 KiB TCP burst
// from the TUN, segmented) to a loopback peer that drains them. It is
// how vectored writes were judged: a writev of each packet's prefix and
// the packet where it lies (90 iovecs, no copy) took 30-32 µs per batch
// here against 22-28 µs for gathering the batch into one buffer and one
// write, so the transport keeps the copy.
func BenchmarkTCPWriteBatch(b *testing.B) {
	addr := tcpPeer(b, func(c net.Conn) {
		_, _ = io.Copy(io.Discard, c)
		c.Close()
	})
	c, err := Dial(context.Background(), TCP, addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	bufs := make([][]byte, 45)
	for i := range bufs {
		bufs[i] = make([]byte, 1400)
	}
	b.SetBytes(int64(1400 * len(bufs)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteBatch(bufs); err != nil {
			b.Fatal(err)
		}
	}
}
