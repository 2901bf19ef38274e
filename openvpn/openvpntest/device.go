// Package openvpntest holds test doubles for code that runs the engine: an
// in-memory packet device in place of a TUN device. It imports nothing of
// the engine, so the engine's own tests can use it too.
package openvpntest

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// PipeDevice is an in-memory packet device (openvpn.Device). Packets sent
// into In are read by the engine as if they came from the TUN device;
// packets the engine writes arrive on Out (dropped when Out is full).
type PipeDevice struct {
	In, Out   chan []byte
	closeOnce sync.Once
	closed    chan struct{}
}

// NewPipeDevice returns a device with room for 16 packets each way.
func NewPipeDevice() *PipeDevice { return NewPipeDeviceSize(16) }

// NewPipeDeviceSize returns a device with room for n packets each way: a
// traffic test needs room for a whole batch the engine writes at once, or
// the device, not the tunnel, loses packets.
func NewPipeDeviceSize(n int) *PipeDevice {
	return &PipeDevice{In: make(chan []byte, n), Out: make(chan []byte, n), closed: make(chan struct{})}
}

// Read returns one packet from In, or os.ErrClosed once closed.
func (d *PipeDevice) Read(bufs [][]byte, sizes []int, off int) (int, error) {
	select {
	case p := <-d.In:
		sizes[0] = copy(bufs[0][off:], p)
		return 1, nil
	case <-d.closed:
		return 0, os.ErrClosed
	}
}

// Write copies each packet to Out.
func (d *PipeDevice) Write(bufs [][]byte, off int) (int, error) {
	for _, b := range bufs {
		select {
		case d.Out <- append([]byte(nil), b[off:]...):
		default:
		}
	}
	return len(bufs), nil
}

// BatchSize is 1: one packet per Read.
func (d *PipeDevice) BatchSize() int { return 1 }

// Close ends Reads; it is safe to call more than once.
func (d *PipeDevice) Close() error {
	d.closeOnce.Do(func() { close(d.closed) })
	return nil
}

// UDPPacket is a minimal IPv4/UDP packet from src to dst carrying
// payload, enough for an echoing peer to send back.
func UDPPacket(src, dst [4]byte, payload string) []byte {
	pkt := make([]byte, 20+len(payload))
	pkt[0], pkt[3], pkt[8], pkt[9] = 0x45, byte(len(pkt)), 64, 17
	copy(pkt[12:], src[:])
	copy(pkt[16:], dst[:])
	copy(pkt[20:], payload)
	return pkt
}

// Echo sends pkt into the tunnel every 250 ms until the same bytes come
// back out, or within passes.
func (d *PipeDevice) Echo(pkt []byte, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		d.In <- pkt
		select {
		case got := <-d.Out:
			if string(got) != string(pkt) {
				return fmt.Errorf("echoed %x, sent %x", got, pkt)
			}
			return nil
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("no echo through the tunnel within %v", within)
}
