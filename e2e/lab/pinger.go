//go:build linux

package lab

// A steady ping from Go, for tests that must time a tunnel's recovery
// closer than `ping -W` can: echo requests at a fixed interval from a raw
// ICMP socket opened in a namespace, each reply timed against its request.
//
// Goroutines: one sends on a ticker, one reads replies; Close stops both
// and waits for them.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// Pinger sends an IPv4 echo request every interval and records the
// replies.
type Pinger struct {
	conn *icmp.PacketConn
	dst  netip.Addr
	id   int

	mu       sync.Mutex
	sentAt   []time.Time   // by sequence number
	answered []bool        // by sequence number
	replies  []PingReply   // the first reply to each request, in arrival order
	changed  chan struct{} // closed and replaced on every reply

	stop chan struct{}
	wg   sync.WaitGroup
}

// PingReply is one answered echo request.
type PingReply struct {
	Seq           int
	Sent, Replied time.Time
}

// StartPinger pings dst (IPv4) from namespace ns every interval until
// Close.
func StartPinger(ns string, dst netip.Addr, interval time.Duration) (*Pinger, error) {
	if !dst.Is4() {
		return nil, fmt.Errorf("start pinger: %v is not IPv4", dst)
	}
	p := &Pinger{dst: dst, id: rand.IntN(1 << 16), changed: make(chan struct{}), stop: make(chan struct{})}
	err := InNetns(ns, func() (err error) {
		p.conn, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("start pinger: %w", err)
	}
	p.wg.Add(2)
	go p.send(interval)
	go p.read()
	return p, nil
}

// ID is the echo identifier of this pinger's requests.
func (p *Pinger) ID() int { return p.id }

func (p *Pinger) send(interval time.Duration) {
	defer p.wg.Done()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	to := &net.IPAddr{IP: p.dst.AsSlice()}
	for {
		p.mu.Lock()
		seq := len(p.sentAt)
		p.sentAt = append(p.sentAt, time.Now())
		p.answered = append(p.answered, false)
		p.mu.Unlock()
		msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{
			ID: p.id, Seq: seq & 0xffff, Data: []byte("cvpn-lab pinger"),
		}}
		if b, err := msg.Marshal(nil); err == nil {
			_, _ = p.conn.WriteTo(b, to) // lost while the tunnel is down
		}
		select {
		case <-tick.C:
		case <-p.stop:
			return
		}
	}
}

func (p *Pinger) read() {
	defer p.wg.Done()
	buf := make([]byte, 2048)
	for {
		n, from, err := p.conn.ReadFrom(buf)
		if err != nil {
			return // closed
		}
		now := time.Now()
		if a, ok := from.(*net.IPAddr); !ok || !a.IP.Equal(p.dst.AsSlice()) {
			continue
		}
		m, err := icmp.ParseMessage(1, buf[:n])
		if err != nil || m.Type != ipv4.ICMPTypeEchoReply {
			continue
		}
		e, ok := m.Body.(*icmp.Echo)
		if !ok || e.ID != p.id {
			continue
		}
		p.mu.Lock()
		// The sequence number wraps at 2^16: take the newest request
		// with these low bits.
		seq := len(p.sentAt) - 1
		for ; seq >= 0 && seq&0xffff != e.Seq; seq-- {
		}
		if seq >= 0 && !p.answered[seq] { // a duplicate answers nothing new
			p.answered[seq] = true
			p.replies = append(p.replies, PingReply{Seq: seq, Sent: p.sentAt[seq], Replied: now})
			close(p.changed)
			p.changed = make(chan struct{})
		}
		p.mu.Unlock()
	}
}

// WaitReply waits for the first reply to a request sent after since, and
// returns it.
func (p *Pinger) WaitReply(ctx context.Context, since time.Time) (PingReply, error) {
	for {
		p.mu.Lock()
		for _, r := range p.replies {
			if r.Sent.After(since) {
				p.mu.Unlock()
				return r, nil
			}
		}
		changed := p.changed
		p.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return PingReply{}, fmt.Errorf("no echo reply from %v to a request sent after %s: %w", p.dst, since.Format("15:04:05.000"), ctx.Err())
		}
	}
}

// Count returns how many requests were sent and answered in [from, to).
func (p *Pinger) Count(from, to time.Time) (sent, answered int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.sentAt {
		if !t.Before(from) && t.Before(to) {
			sent++
		}
	}
	for _, r := range p.replies {
		if !r.Sent.Before(from) && r.Sent.Before(to) {
			answered++
		}
	}
	return sent, answered
}

// Close stops pinging and waits for the pinger's goroutines.
func (p *Pinger) Close() error {
	close(p.stop)
	err := p.conn.Close()
	p.wg.Wait()
	return err
}
