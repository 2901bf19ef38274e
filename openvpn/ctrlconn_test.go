package openvpn

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cvpn/cvpn/openvpn/packet"
	"github.com/cvpn/cvpn/openvpn/reliable"
	"github.com/cvpn/cvpn/openvpn/tlswrap"
	"github.com/cvpn/cvpn/profile"
)

// TestTLSOverLossyControlChannel runs a real TLS handshake and a message
// larger than one control packet through two key states (client and
// server) joined by a link that drops, duplicates and reorders packets.
// The clock is simulated, so retransmission timers fire quickly.
func TestTLSOverLossyControlChannel(t *testing.T) {
	for _, loss := range []float64{0, 0.2, 0.4} {
		t.Run(fmt.Sprintf("loss=%v", loss), func(t *testing.T) {
			testLossyLink(t, loss, rand.New(rand.NewPCG(1, uint64(loss*100))))
		})
	}
}

func testLossyLink(t *testing.T, loss float64, rng *rand.Rand) {
	pki := newTestPKI(t)
	ccfg, err := tlsConfig(&profile.TLS{CA: pki.caPEM, Cert: pki.clientPEM, Key: pki.clientKy, RemoteCertTLS: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1e9, 0)
	csid, _ := packet.NewSessionID(nil)
	ssid, _ := packet.NewSessionID(nil)
	rcfg := &reliable.Config{InitialTimeout: 200 * time.Millisecond, MaxTimeout: time.Second}
	client := newKeyState(0, packet.OpHardResetClientV2, csid, rcfg, make(chan struct{}, 1), now)
	server := newKeyState(0, packet.OpHardResetServerV2, ssid, rcfg, make(chan struct{}, 1), now)
	for _, ks := range []*keyState{client, server} {
		if err := ks.start(); err != nil {
			t.Fatal(err)
		}
	}
	defer client.close()
	defer server.close()
	ctls, stls := tls.Client(client.conn, ccfg), tls.Server(server.conn, pki.serverTLS())

	msg := make([]byte, 5000) // one TLS record, several control packets
	for i := range msg {
		msg[i] = byte(rng.Uint32())
	}
	echoed := make(chan []byte, 1)
	errc := make(chan error, 2)
	var clientDone, serverDone atomic.Bool
	go func() {
		defer clientDone.Store(true)
		if _, err := ctls.Write(msg); err != nil { // implies the handshake
			errc <- fmt.Errorf("client: %w", err)
			return
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(ctls, got); err != nil {
			errc <- fmt.Errorf("client read: %w", err)
			return
		}
		echoed <- got
	}()
	go func() {
		defer serverDone.Store(true)
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(stls, got); err != nil {
			errc <- fmt.Errorf("server read: %w", err)
			return
		}
		if _, err := stls.Write(got); err != nil {
			errc <- fmt.Errorf("server write: %w", err)
		}
	}()

	maxPayload := func(op packet.Opcode) int {
		return tlswrap.MaxPayload(tlswrap.None{}, op, reliable.MaxPiggybackAcks, tlswrap.DefaultTLSMTU, tlswrap.DatagramOverheadUDP6)
	}
	var held [][]byte // reordered: delivered one round late
	sent := 0
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case got := <-echoed:
			if !bytes.Equal(got, msg) {
				t.Fatal("echoed message differs")
			}
			if sent < 8 {
				t.Errorf("only %d packets sent; the message should have spanned several", sent)
			}
			return
		case err := <-errc:
			t.Fatal(err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no echo after %d packets", sent)
		}
		now = now.Add(20 * time.Millisecond)
		var wires [][]byte
		for _, dir := range []struct{ from, to *keyState }{{client, server}, {server, client}} {
			pkts, err := dir.from.pump(now, maxPayload, nil)
			if err != nil {
				t.Fatal(err)
			}
			if n := dir.from.ch.Sender().InFlight(); n > reliable.SendWindow {
				t.Fatalf("%d messages in flight, window is %d", n, reliable.SendWindow)
			}
			for i := range pkts {
				wire, err := pkts[i].Append(nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(wire) > tlswrap.DefaultTLSMTU-tlswrap.DatagramOverheadUDP6 {
					t.Fatalf("control datagram of %d bytes exceeds tls-mtu", len(wire))
				}
				sent++
				switch r := rng.Float64(); {
				case r < loss:
					continue
				case r < loss+0.1:
					held = append(held, wire)
				case r < loss+0.15:
					wires = append(wires, wire, wire)
				default:
					wires = append(wires, wire)
				}
			}
		}
		wires = append(wires, held...)
		held = held[:0]
		for _, wire := range wires {
			var p packet.Control
			if err := p.Decode(wire); err != nil {
				t.Fatal(err)
			}
			to := client
			if p.SessionID == csid {
				to = server
			}
			_, _ = to.ch.Receive(&p)
		}
		// The next pump hands the TLS goroutines what arrived; before it,
		// wait until both have acted on everything handed to them so far
		// (blocked reading again, or finished). Each step of the simulated
		// clock then sees the same TLS output whatever the scheduler does.
		waitUntil(t, "both TLS goroutines idle", func() bool {
			return (clientDone.Load() || client.conn.idle()) && (serverDone.Load() || server.conn.idle())
		})
	}
}

// waitUntil polls cond until it holds, failing the test after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		runtime.Gosched()
		time.Sleep(50 * time.Microsecond)
	}
}

func TestCtrlConnCloseUnblocksRead(t *testing.T) {
	c := newCtrlConn(make(chan struct{}, 1))
	c.deliver([]byte("abc"))
	b := make([]byte, 10)
	if n, err := c.Read(b); err != nil || string(b[:n]) != "abc" {
		t.Fatalf("read %q, %v", b[:n], err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(b)
		done <- err
	}()
	waitUntil(t, "the reader blocks", c.idle)
	select {
	case err := <-done:
		t.Fatalf("Read returned (%v) with nothing to read and the conn open", err)
	default:
	}
	_ = c.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("read on a closed conn succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Read")
	}
	if _, err := c.Write([]byte("x")); err == nil {
		t.Fatal("write after close succeeded")
	}
}

func TestCtrlConnTakeCutsStream(t *testing.T) {
	kick := make(chan struct{}, 1)
	c := newCtrlConn(kick)
	_, _ = c.Write([]byte("hello "))
	_, _ = c.Write([]byte("world"))
	select {
	case <-kick:
	default:
		t.Fatal("write did not wake the control goroutine")
	}
	var got []string
	for c.pending() > 0 {
		got = append(got, string(c.take(nil, 4)))
	}
	if fmt.Sprint(got) != "[hell o wo rld]" {
		t.Fatalf("take: %q", got)
	}
}
