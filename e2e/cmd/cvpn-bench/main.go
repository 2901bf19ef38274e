//go:build linux

// Command cvpn-bench measures cvpn against Debian's stock openvpn client on
// the same lab server, in one run, alternating between them so that a busy
// machine penalises both alike, and prints a table:
//
//	client │ connect │ up Mbit/s │ down Mbit/s │ CPU s/GB │ peak RSS
//
// Throughput is iperf3 through the tunnel in each direction; CPU is the
// client process's user+system time over both transfers divided by the bytes
// moved; connect time runs from starting the client to the first ping
// answered through the tunnel; peak RSS is the client's VmHWM. Each figure is
// the median over the rounds.
//
// It is a benchmark, not a test: it reports numbers and fails only when a
// client cannot connect or transfer at all.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		rounds   = flag.Int("rounds", 3, "measurements per client")
		duration = flag.Duration("t", 8*time.Second, "iperf3 time per direction")
		cvpnBin  = flag.String("cvpn", "bin/cvpn", "path to the cvpn binary")
		clients  = flag.String("clients", "stock,cvpn", "clients to measure, comma separated (stock, cvpn)")
		proto    = flag.String("proto", "udp", "transport: udp or tcp")
		cipher   = flag.String("cipher", "AES-256-GCM", "data cipher the server offers")
	)
	flag.Parse()
	if err := lab.Prerequisites("iperf3", "ping"); err != nil {
		fmt.Fprintln(os.Stderr, "cvpn-bench:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := lab.Options{NoSignalHook: true, Logf: func(string, ...any) {}}
	opts.Server.Proto = lab.Proto(*proto)
	opts.Server.DataCiphers = []string{*cipher}
	l, err := lab.New(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cvpn-bench:", err)
		return 1
	}
	defer l.Close()
	profile := filepath.Join(l.Dir, "bench.ovpn")
	if err := l.WriteClientProfile(profile, lab.ProfileOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, "cvpn-bench:", err)
		return 1
	}
	iperf, err := lab.StartProcess("iperf3-server", l.ServerNS, filepath.Join(l.Dir, "iperf3.log"), []string{"iperf3", "-s"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cvpn-bench:", err)
		return 1
	}
	defer iperf.Stop()

	var kinds []clientKind
	for _, name := range strings.Split(*clients, ",") {
		switch strings.TrimSpace(name) {
		case "stock":
			kinds = append(kinds, clientKind{"openvpn 2.6 (stock)", func() []string {
				return []string{lab.OpenVPN, "--config", profile, "--disable-dco", "--verb", "1"}
			}})
		case "cvpn":
			abs, err := filepath.Abs(*cvpnBin)
			if err != nil {
				fmt.Fprintln(os.Stderr, "cvpn-bench:", err)
				return 1
			}
			kinds = append(kinds, clientKind{"cvpn", func() []string {
				return []string{abs, "connect", "--foreground", "--state-dir", filepath.Join(l.Dir, "state"), profile}
			}})
		default:
			fmt.Fprintf(os.Stderr, "cvpn-bench: unknown client %q (want stock or cvpn)\n", name)
			return 2
		}
	}

	fmt.Printf("lab %d: %s server, %s, %d rounds × %v per direction\n", l.Index, *proto, *cipher, *rounds, *duration)
	results := make([][]sample, len(kinds))
	failed := false
	for r := range *rounds {
		for i, k := range kinds {
			s, err := measure(ctx, l, k, *duration, r)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s, round %d: %v\n", k.name, r+1, err)
				failed = true
				if ctx.Err() != nil {
					return 130
				}
				continue
			}
			fmt.Fprintf(os.Stderr, "%s, round %d: %s\n", k.name, r+1, s)
			results[i] = append(results[i], s)
		}
	}
	printTable(os.Stdout, kinds, results)
	if failed {
		return 1
	}
	return 0
}

type clientKind struct {
	name string
	argv func() []string
}

// measure runs one client through one connect + upload + download cycle.
func measure(ctx context.Context, l *lab.Lab, k clientKind, d time.Duration, round int) (sample, error) {
	var s sample
	start := time.Now()
	name := fmt.Sprintf("bench-%s-%d", strings.Fields(k.name)[0], round+1)
	p, err := lab.StartProcess(name, l.ClientNS, filepath.Join(l.Dir, name+".log"), k.argv())
	if err != nil {
		return s, err
	}
	defer p.Stop()
	if err := waitPing(ctx, l, p, 30*time.Second); err != nil {
		return s, fmt.Errorf("connect: %w\n%s", err, p.LogTail(15))
	}
	s.connect = time.Since(start)

	cpu0, err := cpuSeconds(p.Pid())
	if err != nil {
		return s, err
	}
	up, err := iperf(ctx, l, d, false)
	if err != nil {
		return s, fmt.Errorf("upload: %w", err)
	}
	down, err := iperf(ctx, l, d, true)
	if err != nil {
		return s, fmt.Errorf("download: %w", err)
	}
	cpu1, err := cpuSeconds(p.Pid())
	if err != nil {
		return s, err
	}
	s.upMbps, s.downMbps = up.bitsPerSecond/1e6, down.bitsPerSecond/1e6
	if gb := float64(up.bytes+down.bytes) / 1e9; gb > 0 {
		s.cpuPerGB = (cpu1 - cpu0) / gb
	}
	s.rssMB, err = peakRSS(p.Pid())
	return s, err
}

// waitPing pings the server's tunnel address until it answers: the moment
// the tunnel carries traffic, whatever the client prints.
func waitPing(ctx context.Context, l *lab.Lab, p *lab.Process, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		pctx, pcancel := context.WithTimeout(ctx, 1500*time.Millisecond)
		_, err := lab.Exec(pctx, l.ClientNS, "ping", "-n", "-c", "1", "-W", "1", l.ServerTunIP.String())
		pcancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.Done():
			return errors.New("client exited before the tunnel came up")
		case <-ctx.Done():
			return fmt.Errorf("no ping answer through the tunnel within %v", limit)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
