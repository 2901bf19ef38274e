//go:build linux

package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
	"github.com/cvpn/cvpn/openvpn/openvpntest"
)

// echoPort is the UDP port of the echo on the server's tunnel address.
const echoPort = 7007

// echoServer sends every datagram back to where it came from: through the
// server's tun0, so back through the tunnel.
type echoServer struct {
	addr netip.AddrPort
	c    *net.UDPConn
	done chan struct{}
}

func startEcho(l *lab.Lab) (*echoServer, error) {
	e := &echoServer{addr: netip.AddrPortFrom(l.ServerTunIP, echoPort), done: make(chan struct{})}
	err := lab.InNetns(l.ServerNS, func() (err error) {
		e.c, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(e.addr))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("start echo: %w", err)
	}
	go func() {
		defer close(e.done)
		buf := make([]byte, 2048)
		for {
			n, from, err := e.c.ReadFromUDPAddrPort(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err == nil {
				_, _ = e.c.WriteToUDPAddrPort(buf[:n], from)
			}
		}
	}()
	return e, nil
}

func (e *echoServer) close() {
	_ = e.c.Close()
	<-e.done
}

// traffic feeds the tunnel with UDP packets to the echo and counts what
// comes back.
type traffic struct {
	dev             *openvpntest.PipeDevice
	pkt             []byte // sent as is, again and again: the device copies it
	sent, rx, rxOut atomic.Uint64
	wg              sync.WaitGroup
}

func newTraffic(dev *openvpntest.PipeDevice, src [4]byte, dst netip.AddrPort, size int) *traffic {
	return &traffic{dev: dev, pkt: udpPacket(src, dst, size)}
}

// udpPacket builds an IPv4/UDP packet of size bytes with a valid header
// checksum (the server's kernel checks it) and no UDP checksum.
func udpPacket(src [4]byte, dst netip.AddrPort, size int) []byte {
	p := make([]byte, size)
	p[0], p[8], p[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(p[2:], uint16(size))
	binary.BigEndian.PutUint16(p[6:], 0x4000) // don't fragment
	copy(p[12:], src[:])
	d := dst.Addr().As4()
	copy(p[16:], d[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(p[10:], ^uint16(sum))
	binary.BigEndian.PutUint16(p[20:], 40000)
	binary.BigEndian.PutUint16(p[22:], dst.Port())
	binary.BigEndian.PutUint16(p[24:], uint16(size-20))
	for i := 28; i < size; i++ {
		p[i] = byte(i)
	}
	return p
}

// send puts rate packets a second into the tunnel, in 10 ms bursts.
func (t *traffic) send(ctx context.Context, rate int) {
	defer t.wg.Done()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	per, carry := rate/100, rate%100
	acc := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n := per
		if acc += carry; acc >= 100 {
			acc -= 100
			n++
		}
		for range n {
			select {
			case t.dev.In <- t.pkt:
				t.sent.Add(1)
			case <-ctx.Done():
				return
			}
		}
	}
}

// receive counts the echoed bytes.
func (t *traffic) receive(ctx context.Context) {
	defer t.wg.Done()
	for {
		select {
		case p := <-t.dev.Out:
			t.rx.Add(uint64(len(p)))
			t.rxOut.Add(1)
		case <-ctx.Done():
			return
		}
	}
}

// start runs the sender and the receiver until ctx ends.
func (t *traffic) start(ctx context.Context, rate int) {
	t.wg.Add(2)
	go t.send(ctx, rate)
	go t.receive(ctx)
}

func (t *traffic) wait() { t.wg.Wait() }
