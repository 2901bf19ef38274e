package reliable

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
	"github.com/cvpn/cvpn/openvpn/tlswrap"
)

// linkConfig describes an unreliable datagram link.
type linkConfig struct {
	loss, dup float64       // probability a datagram is dropped / sent twice
	jitter    time.Duration // each copy is delayed by a random 0..jitter (reorders)
}

type datagram struct {
	at   time.Time
	seq  int // tie-break, for a deterministic order
	to   int
	data []byte
}

type link struct {
	cfg   linkConfig
	rng   *rand.Rand
	queue []datagram
	seq   int
	sent  int
}

func (l *link) send(now time.Time, to int, data []byte) {
	l.sent++
	if l.rng.Float64() < l.cfg.loss {
		return
	}
	copies := 1
	if l.rng.Float64() < l.cfg.dup {
		copies = 2
	}
	for i := 0; i < copies; i++ {
		delay := time.Duration(0)
		if l.cfg.jitter > 0 {
			delay = time.Duration(l.rng.Int64N(int64(l.cfg.jitter)))
		}
		l.seq++
		l.queue = append(l.queue, datagram{at: now.Add(delay), seq: l.seq, to: to, data: bytes.Clone(data)})
	}
}

func (l *link) earliest() (time.Time, bool) {
	if len(l.queue) == 0 {
		return time.Time{}, false
	}
	t := l.queue[0].at
	for _, d := range l.queue[1:] {
		if d.at.Before(t) {
			t = d.at
		}
	}
	return t, true
}

// arrivals removes and returns the datagrams due by now, in arrival order.
func (l *link) arrivals(now time.Time) []datagram {
	var due, rest []datagram
	for _, d := range l.queue {
		if d.at.After(now) {
			rest = append(rest, d)
		} else {
			due = append(due, d)
		}
	}
	l.queue = rest
	sort.Slice(due, func(i, j int) bool {
		if !due[i].at.Equal(due[j].at) {
			return due[i].at.Before(due[j].at)
		}
		return due[i].seq < due[j].seq
	})
	return due
}

type endpoint struct {
	ch      *Channel
	w       tlswrap.Wrapper
	toQueue [][]byte // our stream, not yet queued
	got     [][]byte // the peer's stream as delivered to us
	pkts    []packet.Control
	rx      packet.Control
}

func randomStream(rng *rand.Rand) [][]byte {
	n := rng.IntN(60) + 1
	out := make([][]byte, n)
	for i := range out {
		b := make([]byte, rng.IntN(300))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		out[i] = append(b, byte(i)) // never empty, and distinct by position
	}
	return out
}

// simulate runs two channels over the link until both streams are delivered
// and acknowledged, and checks exactly-once, in-order delivery.
func simulate(t *testing.T, seed uint64, cfg linkConfig, wrapped bool) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	now := time.Unix(1700000000, 0)
	clock := func() time.Time { return now }

	var wc, ws tlswrap.Wrapper = tlswrap.None{}, tlswrap.None{}
	if wrapped {
		key := make([]byte, tlswrap.StaticKeySize)
		for i := range key {
			key[i] = byte(rng.Uint32())
		}
		var err error
		if wc, err = tlswrap.NewTLSAuth(key, tlswrap.KeyDirectionInverse, "SHA256", &tlswrap.Options{Now: clock}); err != nil {
			t.Fatal(err)
		}
		if ws, err = tlswrap.NewTLSAuth(key, tlswrap.KeyDirectionNormal, "SHA256", &tlswrap.Options{Now: clock}); err != nil {
			t.Fatal(err)
		}
	}
	ends := [2]*endpoint{
		{ch: NewChannel(0, sidC, nil), w: wc, toQueue: randomStream(rng)},
		{ch: NewChannel(0, sidS, nil), w: ws, toQueue: randomStream(rng)},
	}
	ends[0].ch.SetRemoteSessionID(sidS)
	ends[1].ch.SetRemoteSessionID(sidC)
	want := [2][][]byte{ends[1].toQueue, ends[0].toQueue} // what each end must receive
	l := &link{cfg: cfg, rng: rng}

	done := func() bool {
		for i, e := range ends {
			if len(e.got) != len(want[i]) || !e.ch.Sender().Empty() || len(e.toQueue) > 0 {
				return false
			}
		}
		return true
	}

	for iter := 0; !done(); iter++ {
		if iter > 100000 {
			t.Fatalf("no progress after %d iterations (%v of simulated time): got %d/%d and %d/%d",
				iter, now.Sub(time.Unix(1700000000, 0)), len(ends[0].got), len(want[0]), len(ends[1].got), len(want[1]))
		}
		for i, e := range ends {
			for len(e.toQueue) > 0 && e.ch.Available() > 0 {
				if _, err := e.ch.Queue(packet.OpControlV1, e.toQueue[0]); err != nil {
					t.Fatal(err)
				}
				e.toQueue = e.toQueue[1:]
			}
			for {
				m, ok := e.ch.Next()
				if !ok {
					break
				}
				n := len(e.got)
				if n >= len(want[i]) || !bytes.Equal(m.Payload, want[i][n]) {
					t.Fatalf("end %d: delivery %d (message id %d) is wrong or extra", i, n, m.ID)
				}
				e.got = append(e.got, bytes.Clone(m.Payload))
			}
			e.pkts = e.ch.Poll(now, e.pkts[:0])
			for j := range e.pkts {
				wire, err := e.w.Wrap(nil, &e.pkts[j])
				if err != nil {
					t.Fatal(err)
				}
				l.send(now, 1-i, wire)
			}
		}
		if done() {
			break
		}

		next, any := l.earliest()
		for _, e := range ends {
			if d, ok := e.ch.NextDeadline(); ok && (!any || d.Before(next)) {
				next, any = d, true
			}
		}
		if !any {
			t.Fatal("stalled: nothing in flight and nothing scheduled")
		}
		if next.After(now) {
			now = next
		}
		for _, d := range l.arrivals(now) {
			e := ends[d.to]
			if err := tlswrap.Decode(e.w, d.data, &e.rx); err != nil {
				continue // a duplicated datagram caught by the replay window
			}
			if _, err := e.ch.Receive(&e.rx); err != nil {
				t.Fatalf("receive: %v", err)
			}
		}
	}
}

func TestPropertyExactlyOnceInOrder(t *testing.T) {
	configs := []linkConfig{
		{},
		{loss: 0.1, dup: 0.1, jitter: 50 * time.Millisecond},
		{loss: 0.3, dup: 0.2, jitter: 500 * time.Millisecond},
		{loss: 0.5, dup: 0.1, jitter: 3 * time.Second},
		{dup: 0.5, jitter: 5 * time.Second},
	}
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	for ci, cfg := range configs {
		for _, wrapped := range []bool{false, true} {
			t.Run(fmt.Sprintf("link%d/wrapped=%v", ci, wrapped), func(t *testing.T) {
				for seed := 0; seed < seeds; seed++ {
					simulate(t, uint64(seed), cfg, wrapped)
				}
			})
		}
	}
}
