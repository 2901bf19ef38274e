//go:build linux

package transport

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

func listenLoopback(t *testing.T) (*net.UDPConn, netip.AddrPort) {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// TestFloatFollowsPeer: a floating socket hears a second address, says
// which datagram came from where, and sends there after SetPeer.
func TestFloatFollowsPeer(t *testing.T) {
	old, oldAddr := listenLoopback(t)
	moved, movedAddr := listenLoopback(t)
	c, err := DialFloat(oldAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.RemoteAddr() != oldAddr {
		t.Fatalf("RemoteAddr %v, want %v", c.RemoteAddr(), oldAddr)
	}
	if err := c.WriteBatch([][]byte{[]byte("to old")}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	_ = old.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, from, err := old.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "to old" {
		t.Fatalf("old peer got %q, %v", buf[:n], err)
	}
	// A connected socket would never see this datagram.
	if _, err := moved.WriteToUDPAddrPort([]byte("from moved"), from); err != nil {
		t.Fatal(err)
	}
	bufs, sizes := [][]byte{make([]byte, 100)}, []int{0}
	if got, err := c.ReadBatch(bufs, sizes); err != nil || got != 1 || string(bufs[0][:sizes[0]]) != "from moved" {
		t.Fatalf("ReadBatch = %d, %v, %q", got, err, bufs[0][:sizes[0]])
	}
	if src := c.Source(0); src != movedAddr {
		t.Fatalf("Source(0) = %v, want %v", src, movedAddr)
	}
	c.SetPeer(movedAddr)
	if c.RemoteAddr() != movedAddr {
		t.Fatalf("RemoteAddr after SetPeer %v, want %v", c.RemoteAddr(), movedAddr)
	}
	if err := c.WriteBatch([][]byte{[]byte("to moved"), []byte("again")}); err != nil {
		t.Fatal(err)
	}
	_ = moved.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, want := range []string{"to moved", "again"} {
		n, _, err := moved.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("moved peer got %q, %v; want %q", buf[:n], err, want)
		}
	}
}

// TestFloatBatchNoAllocs: the floating socket keeps the data path free of
// allocations, sources included.
func TestFloatBatchNoAllocs(t *testing.T) {
	c, err := DialFloat(udpEcho(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out := [][]byte{make([]byte, 1400), make([]byte, 1400)}
	in := [][]byte{make([]byte, 2048), make([]byte, 2048)}
	sizes := make([]int, 2)
	peer := c.RemoteAddr()
	allocs := testing.AllocsPerRun(50, func() {
		if err := c.WriteBatch(out); err != nil {
			t.Fatal(err)
		}
		for got := 0; got < len(out); {
			n, err := c.ReadBatch(in[:len(out)-got], sizes)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if c.Source(i) != peer {
					t.Fatalf("source %v, want %v", c.Source(i), peer)
				}
			}
			got += n
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per batch round trip, want 0", allocs)
	}
}
