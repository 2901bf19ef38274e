//go:build linux

package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

// iperf runs one iperf3 TCP transfer from the client namespace to the
// server's tunnel address; reverse makes the server send, rate > 0 paces
// the sender (bits per second).
func iperf(ctx context.Context, l *lab.Lab, d time.Duration, reverse bool, rate int64) (transfer, error) {
	args := []string{"-c", l.ServerTunIP.String(), "-t", strconv.Itoa(max(1, int(d.Seconds()))), "-J"}
	if reverse {
		args = append(args, "-R")
	}
	if rate > 0 {
		args = append(args, "-b", strconv.FormatInt(rate, 10))
	}
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	var (
		t   transfer
		err error
	)
	for try := 0; try < 5; try++ {
		var out []byte
		// iperf3 -J may exit 0 with the failure in its JSON.
		if out, err = lab.Exec(ctx, l.ClientNS, "iperf3", args...); err == nil {
			t, err = parseIperf(out)
		}
		if err == nil || !iperfRetryable(string(out)) {
			break
		}
		time.Sleep(time.Duration(try+1) * 500 * time.Millisecond) // 7.5 s in all
	}
	return t, err
}

// iperfRetryable reports whether a failed iperf3 run says nothing about
// the client under test: the server was still busy with the previous test,
// or it reset the new test's control connection while finishing that one
// (seen through the stock client's TCP tunnel, where the last test's data
// is still in flight when the next one starts).
func iperfRetryable(out string) bool {
	return strings.Contains(out, "busy") || strings.Contains(out, "Connection reset by peer")
}

// costed is a transfer with the CPU the client and the server spent on it.
type costed struct {
	transfer
	clientCPU, serverCPU float64 // seconds
	clientSys            float64 // of clientCPU, in the kernel
	elapsed              time.Duration
}

func (c costed) cpuPerGB() float64 { return c.clientCPU / (float64(c.bytes) / 1e9) }

// sysPerGB is the part of cpuPerGB spent in the kernel.
func (c costed) sysPerGB() float64 { return c.clientSys / (float64(c.bytes) / 1e9) }

// serverPercent is the lab server's CPU as a percentage of one core.
func (c costed) serverPercent() float64 { return 100 * c.serverCPU / c.elapsed.Seconds() }

// iperfCosted runs iperf and reads both openvpn processes' CPU around it.
func iperfCosted(ctx context.Context, l *lab.Lab, clientPid int, d time.Duration, reverse bool, rate int64) (costed, error) {
	c0, err := readProc(clientPid)
	if err != nil {
		return costed{}, err
	}
	s0, err := readProc(l.Server.Pid())
	if err != nil {
		return costed{}, err
	}
	t0 := time.Now()
	t, err := iperf(ctx, l, d, reverse, rate)
	if err != nil {
		return costed{}, err
	}
	el := time.Since(t0)
	c1, err := readProc(clientPid)
	if err != nil {
		return costed{}, err
	}
	s1, err := readProc(l.Server.Pid())
	if err != nil {
		return costed{}, err
	}
	return costed{t, c1.cpu - c0.cpu, s1.cpu - s0.cpu, c1.sys - c0.sys, el}, nil
}

// latencyUnderLoad pings the server's tunnel address every 10 ms while a
// transfer runs (an upload, or a download with reverse; at full speed, or
// paced at rate bits per second), and returns the RTTs (ms) and how many
// requests went unanswered.
func latencyUnderLoad(ctx context.Context, l *lab.Lab, d time.Duration, reverse bool, rate int64) ([]float64, int, error) {
	errc := make(chan error, 1)
	go func() {
		_, err := iperf(ctx, l, d+2*time.Second, reverse, rate)
		errc <- err
	}()
	time.Sleep(time.Second) // let TCP leave slow start and fill the queues
	count := int(d / (10 * time.Millisecond))
	pctx, cancel := context.WithTimeout(ctx, d+10*time.Second)
	out, perr := lab.Command(pctx, l.ClientNS, "ping", "-n", "-i", "0.01", "-c", strconv.Itoa(count), "-W", "1",
		l.ServerTunIP.String()).CombinedOutput()
	cancel()
	if err := <-errc; err != nil {
		return nil, 0, fmt.Errorf("bulk transfer: %w", err)
	}
	rtts := parsePingRTTs(string(out))
	if len(rtts) == 0 {
		return nil, 0, fmt.Errorf("ping under load: no replies (%v): %s", perr, out)
	}
	return rtts, count - len(rtts), nil
}

// execTime is how long starting argv in the namespace takes until it
// exits: for `cvpn version` and `openvpn --version`, the cost of process
// start (namespace entry, loading, runtime init) alone.
func execTime(ctx context.Context, ns string, argv []string) (time.Duration, error) {
	t0 := time.Now()
	if err := lab.Command(ctx, ns, argv[0], argv[1:]...).Run(); err != nil {
		// openvpn --version exits 1 by design.
		if _, ok := err.(interface{ ExitCode() int }); !ok {
			return 0, err
		}
	}
	return time.Since(t0), nil
}
