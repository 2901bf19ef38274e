//go:build linux

// Command cvpn-soak runs the engine for a long time under continuous
// traffic against the lab's stock server, which renegotiates every minute
// (reneg-sec 60), and checks that nothing degrades:
//
//   - no stall: the echoed traffic never stops for more than -stall;
//   - no loss: at least 99% of the packets sent come back (rekeys
//     included; the in-memory device has room for whole batches, so a
//     loss is the tunnel's);
//   - memory: the process's RSS stays within 10% of its value after the
//     warm-up;
//   - goroutines: runtime.NumGoroutine stays flat (within a few of its
//     value after the warm-up: a renegotiation runs one goroutine per key
//     state while it lasts).
//
// The engine runs in this process, so its goroutines can be counted,
// with an in-memory packet device; its UDP socket reaches the server
// through a loopback relay whose other end lives in the client namespace:
//
//	generator ─▶ PipeDevice ─▶ engine ─udp─▶ relay 127.0.0.1 ─(client ns)─▶ openvpn server
//	   counter ◀─ PipeDevice ◀─ engine ◀───────────────────────────────────┘   │ tun0
//	                                          UDP echo on the server's tunnel address
//
// It prints one row per minute and a summary, and exits 1 when a check
// fails. `make soak` runs it for SOAK_TIME (30m).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
	"github.com/cvpn/cvpn/openvpn"
	"github.com/cvpn/cvpn/openvpn/openvpntest"
	"github.com/cvpn/cvpn/profile"
)

func main() {
	os.Exit(run())
}

type config struct {
	total, warmup, stall time.Duration
	rate, size           int
}

func run() int {
	var c config
	flag.DurationVar(&c.total, "time", 30*time.Minute, "how long to run")
	flag.DurationVar(&c.warmup, "warmup", 0, "time before the reference RSS and goroutine count are taken (default a tenth of -time, at least 30s)")
	flag.DurationVar(&c.stall, "stall", 3*time.Second, "longest tolerated time without echoed traffic")
	flag.IntVar(&c.rate, "rate", 2000, "packets per second sent into the tunnel")
	flag.IntVar(&c.size, "size", 1200, "IP packet size in bytes")
	flag.Parse()
	if c.warmup == 0 {
		c.warmup = max(30*time.Second, c.total/10)
	}
	if c.size < 28+8 || c.size > 1400 {
		fmt.Fprintln(os.Stderr, "cvpn-soak: -size must be 36..1400 bytes")
		return 2
	}
	if err := lab.Prerequisites(); err != nil {
		fmt.Fprintln(os.Stderr, "cvpn-soak:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := soak(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "cvpn-soak:", err)
		return 1
	}
	return 0
}

func soak(ctx context.Context, c config) error {
	opts := lab.Options{NoSignalHook: true}
	opts.Server.RenegSec = 60
	opts.Server.KeepaliveInterval = 10
	opts.Server.Wrap = lab.WrapTLSCrypt
	l, err := lab.New(ctx, opts)
	if err != nil {
		return err
	}
	defer l.Close()
	relay, err := l.StartRelay(lab.RelayOptions{Loopback: true})
	if err != nil {
		return err
	}
	text, err := l.ClientProfile(lab.ProfileOptions{Remote: relay.Addr()})
	if err != nil {
		return err
	}
	prof, err := profile.Parse([]byte(text), profile.ParseOptions{Name: "soak.ovpn"})
	if err != nil {
		return fmt.Errorf("parse the lab profile: %w", err)
	}
	echo, err := startEcho(l)
	if err != nil {
		return err
	}
	defer echo.close()

	dev := openvpntest.NewPipeDeviceSize(4096) // room for whole receive batches: losses must be the tunnel's
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := openvpn.Dial(sctx, prof, dev, openvpn.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	local, err := waitConnected(ctx, s)
	if err != nil {
		return err
	}
	fmt.Printf("soak: %v of %d-byte packets at %d/s through %s, reneg-sec 60, warm-up %v\n",
		c.total, c.size, c.rate, prof.Remotes[0].Host, c.warmup)

	tr := newTraffic(dev, local, echo.addr, c.size)
	fmt.Println(header)
	tr.start(sctx, c.rate)
	res := watch(ctx, s, tr, c)
	cancel()
	_ = s.Close()
	tr.wait()
	res.print(os.Stdout, c)
	if err := res.verdict(c); err != nil {
		return err
	}
	fmt.Println("soak passed")
	return nil
}

// waitConnected waits for the session's first connection and returns its
// tunnel address.
func waitConnected(ctx context.Context, s *openvpn.Session) ([4]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		select {
		case ev, ok := <-s.Events():
			if !ok {
				return [4]byte{}, fmt.Errorf("the session ended before connecting: %v", s.Wait())
			}
			if sc, ok := ev.(*openvpn.StateChange); ok && sc.To == openvpn.StateConnected && sc.Connection != nil {
				go drain(s) // keep the queue moving for the rest of the run
				return sc.Connection.IPv4.Addr().As4(), nil
			}
		case <-ctx.Done():
			return [4]byte{}, fmt.Errorf("not connected within a minute: state %v", s.State())
		}
	}
}

func drain(s *openvpn.Session) {
	for range s.Events() {
	}
}
