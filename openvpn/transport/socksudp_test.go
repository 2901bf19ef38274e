package transport

import (
	"bytes"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cvpn/cvpn/internal/testenv"
)

func stripTest(b []byte) ([]byte, error) {
	if !bytes.HasPrefix(b, []byte("HDR")) {
		return nil, errors.New("bad header")
	}
	return b[3:], nil
}

// TestFromRelay sends and receives through a fake SOCKS UDP relay, and
// fails reads once the proxy ends the association.
func TestFromRelay(t *testing.T) {
	before := runtime.NumGoroutine()
	relay, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	uc, err := net.DialUDP("udp", nil, relay.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	ctrl, proxyEnd := net.Pipe()
	c := FromRelay(uc, ctrl, []byte("HDR"), stripTest)
	if c.Proto() != UDP || c.RemoteAddr() != relay.LocalAddr().(*net.UDPAddr).AddrPort() {
		t.Errorf("proto %v remote %v", c.Proto(), c.RemoteAddr())
	}
	if n := HeaderOverhead(c); n != 3 {
		t.Errorf("HeaderOverhead = %d, want the header's 3 bytes, for mssfix", n)
	}
	if err := c.WriteBatch([][]byte{[]byte("one"), []byte("two")}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	relay.SetDeadline(time.Now().Add(5 * time.Second))
	var from *net.UDPAddr
	for _, want := range []string{"HDRone", "HDRtwo"} {
		n, a, err := relay.ReadFromUDP(buf)
		if err != nil || string(buf[:n]) != want {
			t.Fatalf("relay got %q, %v; want %q", buf[:n], err, want)
		}
		from = a
	}
	relay.WriteToUDP([]byte("garbage"), from)
	relay.WriteToUDP([]byte("HDRback"), from)
	bufs, sizes := [][]byte{make([]byte, 100)}, []int{0}
	if n, err := c.ReadBatch(bufs, sizes); err != nil || n != 1 || string(bufs[0][:sizes[0]]) != "back" {
		t.Fatalf("ReadBatch = %d, %v, %q", n, err, bufs[0][:sizes[0]])
	}
	// A reader blocked when the proxy ends the association must wake
	// with the reason.
	errc := make(chan error, 1)
	go func() {
		_, err := c.ReadBatch(bufs, sizes)
		errc <- err
	}()
	waitBlocked(t, "ReadBatch", errc)
	proxyEnd.Close()
	if err := <-errc; err == nil || !strings.Contains(err.Error(), "the proxy ended the UDP association") {
		t.Fatalf("after the proxy left: %v", err)
	}
	c.Close()
	if n, stacks := testenv.GoroutinesLeft(before, 2*time.Second); n > before {
		t.Errorf("%d goroutines left, %d before:\n%s", n, before, stacks)
	}
}

// TestFromRelayClose: Close unblocks a reader and reports a local close.
func TestFromRelayClose(t *testing.T) {
	uc, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9})
	if err != nil {
		t.Fatal(err)
	}
	ctrl, proxyEnd := net.Pipe()
	defer proxyEnd.Close()
	c := FromRelay(uc, ctrl, []byte("HDR"), stripTest)
	errc := make(chan error, 1)
	go func() {
		_, err := c.ReadBatch([][]byte{make([]byte, 10)}, []int{0})
		errc <- err
	}()
	waitBlocked(t, "ReadBatch", errc)
	c.Close()
	if err := <-errc; !IsClosed(err) {
		t.Fatalf("read after Close: %v", err)
	}
}
