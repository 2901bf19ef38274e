//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

type sample struct {
	connect          time.Duration
	upMbps, downMbps float64
	cpuPerGB         float64
	rssMB            float64
}

func (s sample) String() string {
	return fmt.Sprintf("connect %v, up %.0f Mbit/s, down %.0f Mbit/s, %.2f CPU-s/GB, peak RSS %.1f MB",
		s.connect.Round(time.Millisecond), s.upMbps, s.downMbps, s.cpuPerGB, s.rssMB)
}

type transfer struct {
	bitsPerSecond float64
	bytes         int64
}

// iperf runs one iperf3 transfer from the client namespace to the server's
// tunnel address; reverse makes the server send.
func iperf(ctx context.Context, l *lab.Lab, d time.Duration, reverse bool) (transfer, error) {
	args := []string{"-c", l.ServerTunIP.String(), "-t", strconv.Itoa(int(d.Seconds())), "-J"}
	if reverse {
		args = append(args, "-R")
	}
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	var out []byte
	var err error
	for try := 0; try < 5; try++ { // the server may still be busy with the previous test
		out, err = lab.Exec(ctx, l.ClientNS, "iperf3", args...)
		if err == nil || !strings.Contains(string(out), "busy") {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		return transfer{}, err
	}
	var r struct {
		End struct {
			SumReceived struct {
				Bytes         int64   `json:"bytes"`
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return transfer{}, fmt.Errorf("parse iperf3 output: %w", err)
	}
	return transfer{r.End.SumReceived.BitsPerSecond, r.End.SumReceived.Bytes}, nil
}

// cpuSeconds is the process's user+system time (/proc/PID/stat fields 14
// and 15, in clock ticks of 1/100 s on Linux).
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read cpu time: %w", err)
	}
	// The command name may hold spaces; fields are counted after its ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("read cpu time: short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100, nil
}

// peakRSS is the process's high-water resident set (VmHWM), in MB.
func peakRSS(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read peak rss: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("read peak rss: no VmHWM for pid %d", pid)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func printTable(w io.Writer, kinds []clientKind, results [][]sample) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| client | runs | connect (ms) | up (Mbit/s) | down (Mbit/s) | CPU-s per GB | peak RSS (MB) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for i, k := range kinds {
		rs := results[i]
		if len(rs) == 0 {
			fmt.Fprintf(w, "| %s | 0 | failed | | | | |\n", k.name)
			continue
		}
		col := func(f func(sample) float64) float64 {
			var xs []float64
			for _, s := range rs {
				xs = append(xs, f(s))
			}
			return median(xs)
		}
		fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.0f | %.2f | %.1f |\n", k.name, len(rs),
			col(func(s sample) float64 { return float64(s.connect.Milliseconds()) }),
			col(func(s sample) float64 { return s.upMbps }),
			col(func(s sample) float64 { return s.downMbps }),
			col(func(s sample) float64 { return s.cpuPerGB }),
			col(func(s sample) float64 { return s.rssMB }))
	}
}
