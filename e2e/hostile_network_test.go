//go:build linux

package e2e

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// A hostile network, not just a bad one: the relay's mangler forges,
// flips bits in, truncates, replays, injects, duplicates and inflates what
// the server sends, with tls-crypt on. Each attack runs for attackTime
// while the client namespace pings the server every pingEvery (lab.Pinger)
// and the server renegotiates every renegSec; then it stops, and:
//   - the tunnel answers pings again within hostileRecoveryBound;
//   - cvpn did not reconnect (its "connected" lines);
//   - nothing malformed or replayed reached the tun device (tunCapture),
//     and the kernel refused nothing cvpn wrote to it (its rx counters);
//   - the engine reported dropping forged control packets, and refused
//     authentic forgeries by its own rules (hostile_forge_test.go).
// At the end every renegotiation begun under attack must have completed.
// Attacks touch only server → client datagrams: those are what the engine
// parses; what the client sends is the stock server's business. The
// checks read cvpn's --debug lines ("drop control packet", "ignored
// SOFT_RESET for key", "send … acks=[…]"); they fail, not pass, if those
// change.

const (
	attackTime            = 2 * time.Second
	pingEvery             = 20 * time.Millisecond
	hostileRecoveryBound  = time.Second
	minDatagramsAttacked  = 20 // the attack must have seen traffic
	duplicateBurst        = 50
	historySize           = 256 // server → client datagrams kept for replays
	handshakePacketsKept  = 16
	injectedPerDatagram   = 3
	forgeriesPerDatagram  = 2
	maxInjectedDatagramSz = 1500
	// renegSec is the server's reneg-sec: several renegotiations happen
	// under attack.
	renegSec = 4
)

// OpenVPN opcodes (the high five bits of a packet's first byte; the low
// three are the key id), from ssl_pkt.h: the attacker's own copy, so that
// it does not see the wire through the engine's parser.
const (
	opSoftResetV1       = 3
	opControlV1         = 4
	opDataV1            = 6
	opHardResetServerV2 = 8
	opDataV2            = 9
)

func isData(b []byte) bool { return len(b) > 0 && (b[0]>>3 == opDataV1 || b[0]>>3 == opDataV2) }

// attacker is the mangler: it remembers what the server sent and, while
// an attack is on, sends what the attack makes of each server datagram
// instead.
type attacker struct {
	mu        sync.Mutex
	rng       *rand.Rand
	on        *hostileAttack
	touched   int      // datagrams the current attack saw
	history   [][]byte // the last historySize server datagrams, a ring
	next      int
	handshake [][]byte // the server's first control packets
	ctrlHdr   []byte   // op|key, session id: the server's control header
	dataHdr   []byte   // op|key, peer id: the server's P_DATA_V2 header
	clientSID []byte   // the client's session id
	keyed     *keyedForger
}

// hostileAttack is one row of the table.
type hostileAttack struct {
	name string
	// forges control packets, which the engine must report dropping
	// (cvpn --debug: "drop control packet").
	forgesControl bool
	// forges authentic control packets (keyedForger), which the engine
	// must refuse by its own rules.
	keyed  bool
	mangle func(a *attacker, pkt []byte, send func([]byte))
}

func (a *attacker) mangle(dir lab.Direction, pkt []byte, send func([]byte)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if dir != lab.ToClient {
		if a.clientSID == nil && !isData(pkt) && len(pkt) >= 9 {
			a.clientSID = append([]byte(nil), pkt[1:9]...)
		}
		send(pkt)
		return
	}
	pkt = a.keyed.pass(pkt)
	if a.on != nil {
		a.touched++
		a.on.mangle(a, pkt, send)
	} else {
		send(pkt)
	}
	a.remember(pkt)
}

// remember keeps a copy of pkt for replays, and learns the server's
// headers; a.mu is held.
func (a *attacker) remember(pkt []byte) {
	c := append([]byte(nil), pkt...)
	if len(a.history) < historySize {
		a.history = append(a.history, c)
	} else {
		a.history[a.next] = c
		a.next = (a.next + 1) % historySize
	}
	switch {
	case isData(pkt):
		if a.dataHdr == nil && pkt[0]>>3 == opDataV2 && len(pkt) >= 4 {
			a.dataHdr = c[:4]
		}
	case len(pkt) >= 9:
		if a.ctrlHdr == nil {
			a.ctrlHdr = c[:9]
		}
		if len(a.handshake) < handshakePacketsKept {
			a.handshake = append(a.handshake, c)
		}
	}
}

// start switches attack on (nil: off) and returns how many datagrams the
// previous one saw.
func (a *attacker) start(attack *hostileAttack) (touched int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.on, touched, a.touched = attack, a.touched, 0
	return touched
}

func (a *attacker) random(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(a.rng.Uint32())
	}
	return b
}

// maybe sends pkt half the time.
func (a *attacker) maybe(pkt []byte, send func([]byte)) {
	if a.rng.IntN(2) == 0 {
		send(pkt)
	}
}

func (a *attacker) pick(from [][]byte) []byte {
	if len(from) == 0 {
		return nil
	}
	return from[a.rng.IntN(len(from))]
}

// withHeader returns hdr followed by n random bytes, the first byte
// replaced by first.
func (a *attacker) withHeader(first byte, hdr []byte, n int) []byte {
	b := append(append([]byte(nil), hdr...), a.random(n)...)
	b[0] = first
	return b
}

// forgedReset returns the first byte of a forged P_CONTROL_SOFT_RESET_V1
// (any key id) or P_CONTROL_HARD_RESET_SERVER_V2 (key 0).
func (a *attacker) forgedReset() byte {
	if a.rng.IntN(2) == 0 {
		return opSoftResetV1<<3 | byte(a.rng.IntN(8))
	}
	return opHardResetServerV2 << 3
}

var hostileAttacks = []hostileAttack{
	// The forged resets come first: a reset taken at face value would
	// force a reconnect only seconds later, while later attacks run.
	{name: "forged resets, valid tls-crypt (key holder)", keyed: true, mangle: func(a *attacker, pkt []byte, send func([]byte)) {
		send(pkt)
		if a.touched%forgeEvery == 0 {
			a.forgeKeyed(send)
		}
	}},
	{name: "forged resets, garbage tls-crypt wrapping", forgesControl: true, mangle: func(a *attacker, pkt []byte, send func([]byte)) {
		send(pkt)
		for range forgeriesPerDatagram {
			// op|key, the server's session id, then random bytes where
			// the replay id, the tag and the encrypted body go.
			send(a.withHeader(a.forgedReset(), a.ctrlHdr, 8+32+a.rng.IntN(300)))
		}
	}},
	{name: "forged resets, replayed tls-crypt wrapping", forgesControl: true, mangle: func(a *attacker, pkt []byte, send func([]byte)) {
		send(pkt)
		// A genuine control packet of the server with its opcode changed
		// (the tag covers it), and the genuine HARD_RESET of the handshake
		// as it was (the replay window refuses it).
		if c := a.pick(a.handshake); c != nil {
			f := append([]byte(nil), c...)
			f[0] = a.forgedReset()
			send(f)
		}
		if len(a.handshake) > 0 {
			send(a.handshake[0])
		}
	}},
	{name: "bit flips", mangle: func(a *attacker, pkt []byte, send func([]byte)) {
		f := append([]byte(nil), pkt...)
		for range 1 + a.rng.IntN(4) {
			f[a.rng.IntN(len(f))] ^= 1 << a.rng.IntN(8)
		}
		// First, so that a check done too early would refuse the
		// original; which follows only half the time, so that the engine
		// also goes on without it.
		send(f)
		a.maybe(pkt, send)
	}},
	{name: "truncation", mangle: func(a *attacker, pkt []byte, send func([]byte)) {
		send(pkt[:a.rng.IntN(len(pkt))])
		a.maybe(pkt, send)
	}},
	{name: "replays of data and control", mangle: func(a *attacker, pkt []byte, send func([]byte)) {
		send(pkt)
		send(a.pick(a.history))
		send(a.pick(a.history))
		if c := a.pick(a.handshake); c != nil {
			send(c)
		}
	}},
	{name: "injected datagrams", mangle: func(a *attacker, pkt []byte, send func([]byte)) {
		send(pkt)
		for i := range injectedPerDatagram {
			n := 1 + a.rng.IntN(maxInjectedDatagramSz)
			switch {
			case i == 1 && a.dataHdr != nil: // the server's peer id
				send(a.withHeader(a.dataHdr[0], a.dataHdr, n))
			case i == 2 && a.ctrlHdr != nil: // the server's session id
				send(a.withHeader(opControlV1<<3, a.ctrlHdr, n))
			default:
				send(a.random(n))
			}
		}
	}},
	{name: "50× duplicate bursts", mangle: func(a *attacker, pkt []byte, send func([]byte)) {
		for range duplicateBurst {
			send(pkt)
		}
	}},
	{name: "64 KB datagrams", mangle: func(a *attacker, pkt []byte, send func([]byte)) {
		// The largest UDP payload there is: by turns the genuine datagram
		// with garbage after it, and garbage only.
		big := a.random(lab.MaxDatagram)
		if a.touched%2 == 0 {
			copy(big, pkt)
		}
		send(big)
		send(pkt)
	}},
}

// TestCvpnHostileNetwork runs every attack in turn against one tunnel,
// with tls-crypt on the server, through the relay.
func TestCvpnHostileNetwork(t *testing.T) {
	lab.Require(t)
	t.Parallel()
	l := lab.NewT(t, lab.Options{Server: lab.ServerOptions{Wrap: lab.WrapTLSCrypt, KeepaliveInterval: 2, RenegSec: renegSec}})
	r, err := l.StartRelay(lab.RelayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := &attacker{rng: rand.New(rand.NewPCG(14, 14)), keyed: newKeyedForger(t, labWrapKey(l.Dir))}
	r.SetMangler(a.mangle)
	// --debug: the engine logs each control packet it drops.
	c := startCvpn(t, l, lab.ProfileOptions{Remote: r.Addr()}, false, "--debug")
	capture := startTunCapture(t, l, lab.TunDev)
	p, err := lab.StartPinger(l.ClientNS, l.ServerTunIP, pingEvery)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := p.WaitReply(ctx, time.Now()); err != nil {
		t.Fatalf("the tunnel does not answer pings before any attack: %v", err)
	}
	counters := tunCounters(t, l)

	for i := range hostileAttacks {
		attack := &hostileAttacks[i]
		logFrom := len(c.Log())
		began := time.Now()
		a.start(attack)
		timer := time.NewTimer(attackTime)
		select {
		case <-timer.C:
		case <-c.Done():
			t.Fatalf("%s: cvpn exited during the attack: %v", attack.name, c.Err())
		}
		touched := a.start(nil)
		stopped := time.Now()
		sent, answered := p.Count(began, stopped)
		if touched < minDatagramsAttacked {
			t.Fatalf("%s: the attack saw only %d datagrams", attack.name, touched)
		}

		ctx, cancel := context.WithTimeout(t.Context(), hostileRecoveryBound)
		reply, err := p.WaitReply(ctx, stopped)
		cancel()
		recovered := reply.Replied.Sub(stopped).Round(time.Millisecond).String()
		if err != nil {
			recovered = "never"
			t.Errorf("%s: the tunnel did not recover within %v: %v", attack.name, hostileRecoveryBound, err)
			// The next attack would start on a broken tunnel.
			ctx, cancel := context.WithTimeout(t.Context(), recoveryBound)
			_, err = p.WaitReply(ctx, time.Now())
			cancel()
			if err != nil {
				t.Fatalf("%s: no pings within %v more either", attack.name, recoveryBound)
			}
		}
		if attack.keyed {
			checkKeyedForgeries(t, c, a)
		}
		reported := strings.Count(c.Log()[logFrom:], "drop control packet")
		packets, _ := capture.result()
		t.Logf("%-42s %4d datagrams attacked, %3d/%3d pings answered during it, recovered in %s; engine dropped %d control packets; %d packets to tun so far",
			attack.name, touched, answered, sent, recovered, reported, packets)
		if attack.forgesControl && reported == 0 {
			t.Errorf("%s: the engine reported no dropped control packet", attack.name)
		}
		assertNoReconnect(t, c, attack.name)
		if _, bad := capture.result(); len(bad) > 0 {
			t.Fatalf("%s: malformed or replayed packets reached the tun device:\n%s", attack.name, strings.Join(bad, "\n"))
		}
		if now := tunCounters(t, l); now != counters {
			t.Fatalf("%s: the kernel refused packets cvpn wrote to %s: counters %s, were %s", attack.name, lab.TunDev, now, counters)
		}
	}
	// The server renegotiated every renegSec under attack: each one must
	// have completed.
	renegs := strings.Count(c.Log(), "server renegotiates: key ")
	if renegs < 2 {
		t.Errorf("the server renegotiated %d times during the attacks; want at least 2", renegs)
	}
	ctx, cancel = context.WithTimeout(t.Context(), recoveryBound)
	defer cancel()
	if err := c.WaitForN(ctx, " active (", renegs); err != nil {
		t.Errorf("of %d renegotiations under attack, only %d completed", renegs, strings.Count(c.Log(), " active ("))
	}
	assertNoReconnect(t, c, "all attacks")
	t.Logf("%d renegotiations under attack, all completed", renegs)
	if strings.Contains(c.Log(), "write to the device") {
		t.Errorf("cvpn failed to write to the device:\n%s", c.LogTail(40))
	}
}

// checkKeyedForgeries checks that the engine refused every authentic
// forgery by its own rules: each SOFT_RESET for an unexpected key id
// ignored (cvpn --debug: "ignored SOFT_RESET for key"), and no ACK sent
// for the message id far outside the window.
func checkKeyedForgeries(t *testing.T, c *cvpnClient, a *attacker) {
	t.Helper()
	a.mu.Lock()
	soft, all := a.keyed.forgedSoft, a.keyed.forged
	a.mu.Unlock()
	if all < 5 {
		t.Fatalf("only %d authentic forgeries were sent", all)
	}
	ctx, cancel := context.WithTimeout(t.Context(), hostileRecoveryBound)
	defer cancel()
	err := c.WaitForN(ctx, "ignored SOFT_RESET for key", soft)
	if n := strings.Count(c.Log(), "ignored SOFT_RESET for key"); err != nil || n != soft {
		t.Errorf("the engine ignored %d of %d forged SOFT_RESETs for unexpected key ids", n, soft)
	}
	if !strings.Contains(c.Log(), " acks=[") {
		t.Fatal("cvpn's debug log no longer shows the ACKs it sends: update ackedFarID")
	}
	if m := ackedFarID.FindString(c.Log()); m != "" {
		t.Errorf("the engine acknowledged a message id far outside its window: %s", m)
	}
}

// ackedFarID finds an ACK, in cvpn's debug log of what it sends, for the
// forged message id farMessageID.
var ackedFarID = regexp.MustCompile(`send [^\n]*acks=\[[^\]]*\b` + strconv.Itoa(farMessageID) + `\b`)

// assertNoReconnect fails unless cvpn is still on its first connection.
func assertNoReconnect(t *testing.T, c *cvpnClient, after string) {
	t.Helper()
	select {
	case <-c.Done():
		t.Fatalf("%s: cvpn exited: %v", after, c.Err())
	default:
	}
	log := c.Log()
	if n := strings.Count(log, "\nconnected "); n != 1 || strings.Contains(log, "\nreconnecting") {
		t.Fatalf("%s: cvpn reconnected (%d connected lines): the attack tore the session down", after, n)
	}
}

// tunCounters returns the kernel's receive error and drop counters of the
// tun device: a packet with no IP version, or a bad offload header,
// written by cvpn is refused there, before the capture could see it.
func tunCounters(t *testing.T, l *lab.Lab) string {
	t.Helper()
	names := []string{"rx_errors", "rx_dropped", "rx_length_errors", "rx_frame_errors"}
	args := make([]string, len(names))
	for i, n := range names {
		args[i] = filepath.Join("/sys/class/net", lab.TunDev, "statistics", n)
	}
	// ip netns exec mounts the namespace's own /sys.
	out, err := lab.Exec(t.Context(), l.ClientNS, "cat", args...)
	if err != nil {
		t.Fatal(err)
	}
	values := strings.Fields(string(out))
	if len(values) != len(names) {
		t.Fatalf("tun counters: %q", out)
	}
	for i := range values {
		values[i] = names[i] + "=" + values[i]
	}
	return strings.Join(values, " ")
}
