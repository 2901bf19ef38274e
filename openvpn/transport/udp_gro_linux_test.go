package transport

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
)

// TestGROSplitsRuns sends runs of equal-sized packets with GSO over
// loopback, where the kernel hands a UDP_GRO socket each run as one
// message, and reads them back through buffers too few for a run: every
// packet must come out once, whole and in order, through the in-place
// split and the carry.
func TestGROSplitsRuns(t *testing.T) {
	for _, nbufs := range []int{1, 3, 7, 64} {
		lc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		rconn, err := newUDP(lc)
		if err != nil {
			t.Fatal(err)
		}
		r := rconn.(*udpConn)
		if !r.gro {
			r.Close()
			testenv.Unavailable(t, "UDP_GRO not available on this kernel (Linux 5.0 or newer has it)")
		}
		s, err := Dial(context.Background(), UDP, lc.LocalAddr().(*net.UDPAddr).AddrPort())
		if err != nil {
			t.Fatal(err)
		}
		// Runs the GSO sender makes: equal sizes, a shorter last one, a
		// lone packet, then another run.
		var sent [][]byte
		sizesOut := []int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 400, 1200, 700, 700, 700, 700, 700}
		for round := range 3 {
			var batch [][]byte
			for i, n := range sizesOut {
				p := bytes.Repeat([]byte{byte(round*len(sizesOut) + i)}, n)
				batch = append(batch, p)
				sent = append(sent, p)
			}
			if err := s.WriteBatch(batch); err != nil {
				t.Fatal(err)
			}
		}
		bufs := make([][]byte, nbufs)
		for i := range bufs {
			bufs[i] = make([]byte, MaxPacket)
		}
		sizes := make([]int, nbufs)
		var got [][]byte
		coalesced := false
		lc.SetReadDeadline(time.Now().Add(5 * time.Second))
		for len(got) < len(sent) {
			n, err := r.ReadBatch(bufs, sizes)
			if err != nil {
				t.Fatalf("%d buffers: after %d packets: %v", nbufs, len(got), err)
			}
			if r.groRead < udpBatch {
				coalesced = true
			}
			for i := range n {
				got = append(got, append([]byte(nil), bufs[i][:sizes[i]]...))
			}
		}
		if !coalesced {
			t.Errorf("%d buffers: the kernel coalesced nothing; the split was not exercised", nbufs)
		}
		for i := range sent {
			if !bytes.Equal(got[i], sent[i]) {
				t.Fatalf("%d buffers: packet %d: got %d bytes of %#x, want %d bytes of %#x", nbufs, i, len(got[i]), got[i][0], len(sent[i]), sent[i][0])
			}
		}
		if r.carry.pending() {
			t.Errorf("%d buffers: carry still holds segments", nbufs)
		}
		s.Close()
		r.Close()
	}
}
