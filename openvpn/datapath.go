package openvpn

// The data path: two loops, no allocation and no goroutine hand-off per
// packet.
//
//	readTUN (one per session)
//	  Device.Read(bufs, Headroom) ─▶ Seal in place with Session.tx ─▶ WriteBatch
//	  bufs[i]: [ Headroom | IP packet | Tailroom ]; Seal writes the OpenVPN
//	  header into the headroom and the tag into the tailroom.
//
//	readNet (one per connection)
//	  ReadBatch(bufs[i][tunOffset:]) ─▶ Peek ─┬─ data: Open with rx[key_id] in place
//	                                          │    ping, OCC: consumed here
//	                                          │    IP: slice bufs[i] so the payload sits at
//	                                          │        tunOffset, collect ─▶ Device.Write
//	                                          └─ control: copied ─▶ control loop
//
// Open leaves the payload at an offset that depends on the cipher and the
// header, but Device.Write takes one offset for the whole batch. Each
// buffer is therefore re-sliced to start tunOffset bytes before its
// payload; reading at tunOffset guarantees that room exists.

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/cvpn/cvpn/openvpn/datachannel"
	"github.com/cvpn/cvpn/openvpn/packet"
	"github.com/cvpn/cvpn/openvpn/transport"
)

const (
	// tunOffset is the offset of IP packets given to Device.Write: a Linux
	// TUN with offloads needs 10 bytes in front for the virtio-net header;
	// 16 keeps payloads aligned.
	tunOffset = 16
	// maxIPPacket bounds one IP packet (and one transport packet).
	maxIPPacket = 65535
	// maxNetBatch caps the receive batch (each buffer is 64 KiB).
	maxNetBatch = 64
)

// readTUN sends what the device yields with the current key. Without a
// key (connecting, reconnecting) packets are dropped, as a TUN would drop
// them with no route.
func (s *Session) readTUN() {
	defer close(s.devDone)
	n := max(s.dev.BatchSize(), 1)
	bufs, free := newSlab(n, datachannel.Headroom+maxIPPacket+datachannel.Tailroom) // slab.go
	defer free()
	sizes := make([]int, n)
	wires := make([][]byte, 0, n)
	var lastWarn time.Time
	for {
		got, err := s.dev.Read(bufs, sizes, datachannel.Headroom)
		if got > 0 {
			s.sendBatch(bufs[:got], sizes, &wires)
		}
		if err == nil {
			continue
		}
		if s.stopping.Load() || errors.Is(err, os.ErrClosed) || errors.Is(err, net.ErrClosed) {
			return
		}
		if got == 0 && time.Since(lastWarn) > 10*time.Second {
			lastWarn = time.Now()
			s.warn("read from the device: %v", err)
		}
		if got == 0 {
			time.Sleep(10 * time.Millisecond) // do not spin on a persistent error
		}
	}
}

func (s *Session) sendBatch(bufs [][]byte, sizes []int, wires *[][]byte) {
	tx := s.tx.Load()
	if tx == nil {
		s.cnt.txDropped.Add(uint64(len(bufs)))
		return
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	w := (*wires)[:0]
	var bytes uint64
	for i, b := range bufs {
		if sizes[i] <= 0 {
			continue
		}
		clampMSS(b[datachannel.Headroom:datachannel.Headroom+sizes[i]], tx.mss4, tx.mss6)
		wire, err := tx.dc.Seal(b, datachannel.Headroom, sizes[i])
		if err != nil {
			s.cnt.txDropped.Add(1)
			continue
		}
		bytes += uint64(sizes[i])
		w = append(w, wire)
	}
	*wires = w
	if len(w) == 0 {
		return
	}
	if err := tx.conn.WriteBatch(w); err != nil {
		// The receive side notices a dead transport; a datagram that
		// could not be sent is a lost datagram.
		s.cnt.txDropped.Add(uint64(len(w)))
		return
	}
	s.cnt.txPackets.Add(uint64(len(w)))
	s.cnt.txBytes.Add(bytes)
	s.lastSend.Store(s.now())
}

// readNet receives from the transport until it fails or the link ends.
func (l *link) readNet() {
	defer l.wg.Done()
	s := l.s
	n := min(max(l.conn.BatchSize(), 1), maxNetBatch)
	// One buffer until the tunnel carries data: the handshake's packets
	// come one or a few at a time, and allocating the whole batch (n × 64
	// KiB) before the first read held back reading the server's first
	// answer by a millisecond or more. The first decrypted packet brings
	// the full batch.
	full, bufs, free := netBuffers(1)
	defer func() { free() }()
	sizes := make([]int, n)
	out := make([][]byte, 0, n)
	var lastWarn time.Time
	fw := l.newFloatWatch() // float.go
	for {
		got, err := l.conn.ReadBatch(bufs, sizes)
		if err != nil {
			select {
			case <-l.done:
				return
			default:
			}
			if l.conn.Proto() == transport.UDP && errors.Is(err, syscall.ECONNREFUSED) {
				// ICMP port unreachable: the server is (re)starting.
				// Keep listening; ping-restart decides when to give up.
				time.Sleep(50 * time.Millisecond)
				continue
			}
			select {
			case l.netErr <- err:
			case <-l.done:
			}
			return
		}
		out = out[:0]
		var mss4, mss6 uint16
		if tx := s.tx.Load(); tx != nil {
			mss4, mss6 = tx.mss4, tx.mss6
		}
		var rxBytes uint64
		authentic := false
		for i := range got {
			pkt := bufs[i][:sizes[i]]
			if len(pkt) == 0 {
				continue
			}
			op, kid, err := packet.Peek(pkt)
			if err != nil {
				s.cnt.rxDropped.Add(1)
				continue
			}
			if !op.IsData() {
				if fw.stranger(i) {
					s.cnt.rxDropped.Add(1)
					continue
				}
				c := append([]byte(nil), pkt...)
				select {
				case l.ctrlIn <- c:
				case <-l.done:
					return
				}
				continue
			}
			dc := l.rx[kid].Load()
			if dc == nil {
				s.cnt.rxDropped.Add(1)
				continue
			}
			kind, payload, err := dc.Open(pkt)
			if err != nil {
				s.cnt.rxDropped.Add(1)
				continue
			}
			authentic = true
			fw.authentic(i)
			switch kind {
			case datachannel.KindData:
				if len(payload) == 0 {
					continue
				}
				clampMSS(payload, mss4, mss6)
				off := cap(full[i]) - cap(payload)
				out = append(out, full[i][off-tunOffset:off+len(payload)])
				rxBytes += uint64(len(payload))
			case datachannel.KindOCC:
				if len(payload) > 0 && payload[0] == datachannel.OCCExit {
					select {
					case l.occExit <- struct{}{}:
					default:
					}
				}
			}
		}
		if authentic {
			l.lastRecv.Store(s.now())
			l.follow(&fw)
		}
		if len(out) > 0 {
			if _, err := s.dev.Write(out, tunOffset); err != nil {
				// Some packets of the batch may be lost; TCP recovers,
				// but a persistent error is worth a warning.
				s.cnt.rxDropped.Add(1)
				if time.Since(lastWarn) > 10*time.Second {
					lastWarn = time.Now()
					s.warn("write to the device: %v", err)
				}
			}
			s.cnt.rxPackets.Add(uint64(len(out)))
			s.cnt.rxBytes.Add(rxBytes)
			if len(full) < n {
				free()
				full, bufs, free = netBuffers(n)
			}
		}
	}
}
