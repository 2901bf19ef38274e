package openvpn

import (
	"context"
	"crypto/rand"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/transport"
	"github.com/cvpn/cvpn/profile"
)

// The data-path benchmarks run the two loops' per-batch work with real
// AES-256-GCM and, for sending, a real UDP socket: run them with -benchmem
// to see that the steady state allocates nothing per packet.

const (
	benchBatch   = 32
	benchPktSize = 1400
)

func benchKeys(b *testing.B) (client, server *datachannel.Channel) {
	b.Helper()
	var k [2]datachannel.Key
	for i := range k {
		_, _ = rand.Read(k[i].Cipher[:])
		_, _ = rand.Read(k[i].HMAC[:])
	}
	cfg := datachannel.Config{Cipher: "AES-256-GCM", UsePeerID: true, PeerID: 7}
	cc, sc := cfg, cfg
	cc.Send, cc.Recv = k[0], k[1]
	sc.Send, sc.Recv = k[1], k[0]
	var err error
	if client, err = datachannel.New(cc); err != nil {
		b.Fatal(err)
	}
	if server, err = datachannel.New(sc); err != nil {
		b.Fatal(err)
	}
	return client, server
}

// benchIPPacket is an IPv4 TCP segment (ACK, not SYN) of n bytes.
func benchIPPacket(n int) []byte {
	p := make([]byte, n)
	p[0], p[9] = 0x45, 6
	p[2], p[3] = byte(n>>8), byte(n)
	copy(p[12:16], []byte{198, 19, 1, 2})
	copy(p[16:20], []byte{198, 19, 1, 1})
	p[20+12], p[20+13] = 5<<4, 0x10
	return p
}

// BenchmarkDataPathSend is readTUN's work per batch after the device read:
// MSS clamp, seal in place, one sendmmsg (with GSO where the kernel has
// it) to a UDP socket on loopback.
func BenchmarkDataPathSend(b *testing.B) {
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Skip(err)
	}
	defer sink.Close()
	conn, err := transport.Dial(context.Background(), transport.UDP, sink.LocalAddr().(*net.UDPAddr).AddrPort())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	dc, _ := benchKeys(b)
	s := &Session{epoch: time.Now()}
	s.tx.Store(&txKey{dc: dc, conn: conn, mss4: 1360, mss6: 1340})
	pkt := benchIPPacket(benchPktSize)
	bufs := make([][]byte, benchBatch)
	sizes := make([]int, benchBatch)
	for i := range bufs {
		bufs[i] = make([]byte, datachannel.Headroom+maxIPPacket+datachannel.Tailroom)
		sizes[i] = benchPktSize
	}
	wires := make([][]byte, 0, benchBatch)
	b.SetBytes(benchBatch * benchPktSize)
	b.ReportAllocs()
	for b.Loop() {
		for i := range bufs {
			copy(bufs[i][datachannel.Headroom:], pkt) // what the device read does
		}
		s.sendBatch(bufs, sizes, &wires)
	}
	b.StopTimer()
	if got := s.cnt.txDropped.Load(); got != 0 {
		b.Fatalf("%d packets dropped", got)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchBatch), "ns/packet")
}

// BenchmarkDataPathReceive runs readNet itself on a transport whose every
// batch the peer's channel seals afresh (so packet-ids are new; this adds
// the peer's Seal, about what Open costs, to each packet's time) and a
// device that counts what it is given: decrypt in place, replay check, MSS
// clamp, one device write per batch.
func BenchmarkDataPathReceive(b *testing.B) {
	client, server := benchKeys(b)
	fc := &benchConn{peer: server, pkt: benchIPPacket(benchPktSize), reads: make(chan struct{}),
		served: make(chan struct{}), done: make(chan struct{}),
		scratch: make([]byte, datachannel.Headroom+benchPktSize+datachannel.Tailroom)}
	dev := &discardDevice{}
	s := &Session{epoch: time.Now(), dev: dev}
	l := &link{s: s, remote: &profile.Remote{}, conn: fc, done: make(chan struct{}),
		netErr: make(chan error, 1), ctrlIn: make(chan []byte, 1), occExit: make(chan struct{}, 1)}
	l.rx[client.KeyID()].Store(client)
	l.wg.Add(1)
	go l.readNet()
	// One batch first, so readNet's buffers are allocated before timing.
	fc.reads <- struct{}{}
	<-fc.served
	b.SetBytes(benchBatch * benchPktSize)
	b.ReportAllocs()
	for b.Loop() {
		fc.reads <- struct{}{}
		<-fc.served
	}
	b.StopTimer()
	close(l.done)
	close(fc.done)
	l.wg.Wait()
	if got := dev.packets; got != (b.N+1)*benchBatch {
		b.Fatalf("device got %d packets, want %d (dropped %d)", got, (b.N+1)*benchBatch, s.cnt.rxDropped.Load())
	}
}

// benchConn is a transport.Conn whose every ReadBatch, once allowed on
// reads, returns a batch of packets sealed by peer, and whose next
// ReadBatch signals served: the previous batch went through.
type benchConn struct {
	peer    *datachannel.Channel
	pkt     []byte
	scratch []byte
	reads   chan struct{}
	served  chan struct{}
	done    chan struct{}
	started bool
}

func (c *benchConn) ReadBatch(bufs [][]byte, sizes []int) (int, error) {
	if c.started {
		c.served <- struct{}{}
	}
	c.started = true
	select {
	case <-c.reads:
	case <-c.done:
		return 0, net.ErrClosed
	}
	for i := range benchBatch {
		copy(c.scratch[datachannel.Headroom:], c.pkt)
		w, err := c.peer.Seal(c.scratch, datachannel.Headroom, len(c.pkt))
		if err != nil {
			return 0, err
		}
		sizes[i] = copy(bufs[i], w)
	}
	return benchBatch, nil
}

func (c *benchConn) WriteBatch([][]byte) error  { return nil }
func (c *benchConn) BatchSize() int             { return benchBatch }
func (c *benchConn) Proto() transport.Proto     { return transport.UDP }
func (c *benchConn) LocalAddr() netip.AddrPort  { return netip.AddrPort{} }
func (c *benchConn) RemoteAddr() netip.AddrPort { return netip.AddrPort{} }
func (c *benchConn) Close() error               { return nil }

// discardDevice counts the packets written to it.
type discardDevice struct{ packets int }

func (d *discardDevice) Read([][]byte, []int, int) (int, error) { return 0, os.ErrClosed }
func (d *discardDevice) Write(bufs [][]byte, off int) (int, error) {
	d.packets += len(bufs)
	return len(bufs), nil
}
func (d *discardDevice) BatchSize() int { return benchBatch }
func (d *discardDevice) Close() error   { return nil }
