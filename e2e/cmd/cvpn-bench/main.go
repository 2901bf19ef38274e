//go:build linux

// Command cvpn-bench measures cvpn against Debian's stock openvpn 2.6
// client (--disable-dco) on the same lab server, in one run, and prints a
// markdown table: metric | stock | cvpn | cvpn/stock. What each metric is
// and how it is taken is in docs/performance.md; in short:
//
//   - client CPU-seconds per GB and throughput, at full speed and paced to
//     100 Mbit/s, up and down, over UDP and TCP transport (one lab each),
//     with the lab server's CPU so a server-bound figure shows as such;
//   - connect time from process start to the first answered ping (an echo
//     every 2 ms, so the figure is exact to 2 ms), split into phases from
//     the clients' log lines, and through the cvpn service;
//   - ping p50/p99 every 10 ms during an upload;
//   - peak RSS of the client; the service's RSS idle, with 1 and 5
//     tunnels, and after many connect/disconnect cycles;
//   - CPU and wake-ups per second of a connected, idle client.
//
// The clients alternate within each round, and swap order between rounds,
// so a machine that gets busier or quieter penalises both alike; each
// figure is the median over the rounds. It is a benchmark, not a test: it
// fails only when a client cannot connect or transfer at all.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

func main() {
	os.Exit(run())
}

// sections are the parts -only can pick.
var sections = []string{"connect", "cpu", "paced", "latency", "idle", "memory", "service"}

type config struct {
	rounds   int
	duration time.Duration // per iperf3 run
	idle     time.Duration
	connects int // connect samples per client per round
	cycles   int // service connect/disconnect cycles
	rate     int64
	// latencyRate paces the upload of the second latency measurement.
	latencyRate int64
	cvpn        string
	clients     []string
	protos      []lab.Proto
	only        map[string]bool
	cipher      string
}

func run() int {
	var (
		cfg     config
		clients = flag.String("clients", "stock,cvpn", "clients to measure, comma separated (stock, cvpn)")
		protos  = flag.String("proto", "udp,tcp", "transports, comma separated (udp, tcp); one lab each")
		only    = flag.String("only", strings.Join(sections, ","), "sections to run, comma separated: "+strings.Join(sections, ", "))
		quick   = flag.Bool("quick", false, "a fast smoke run: 1 round, 2 s transfers, 3 s idle, 5 service cycles")
		rateMb  = flag.Int("rate", 100, "paced rate in Mbit/s")
		latMb   = flag.Int("latency-rate", 300, "rate in Mbit/s of the paced upload under which latency is also measured; below both clients' full speed")
	)
	flag.IntVar(&cfg.rounds, "rounds", 3, "rounds; each measures every client once")
	flag.DurationVar(&cfg.duration, "t", 5*time.Second, "iperf3 time per run")
	flag.DurationVar(&cfg.idle, "idle", 20*time.Second, "how long to watch an idle tunnel")
	flag.IntVar(&cfg.connects, "connects", 3, "connect samples per client per round")
	flag.IntVar(&cfg.cycles, "cycles", 50, "service connect/disconnect cycles for the memory growth figure")
	flag.StringVar(&cfg.cvpn, "cvpn", "bin/cvpn", "path to the cvpn binary")
	flag.StringVar(&cfg.cipher, "cipher", "AES-256-GCM", "data cipher the server offers")
	flag.Parse()
	if *quick {
		cfg.rounds, cfg.duration, cfg.idle, cfg.connects, cfg.cycles = 1, 2*time.Second, 3*time.Second, 2, 5
	}
	cfg.rate = int64(*rateMb) * 1_000_000
	cfg.latencyRate = int64(*latMb) * 1_000_000
	var err error
	if cfg.cvpn, err = filepath.Abs(cfg.cvpn); err != nil {
		return fail(err)
	}
	for _, c := range splitList(*clients) {
		if c != "stock" && c != "cvpn" {
			return usage("unknown client %q (want stock or cvpn)", c)
		}
		cfg.clients = append(cfg.clients, c)
	}
	for _, p := range splitList(*protos) {
		if p != "udp" && p != "tcp" {
			return usage("unknown transport %q (want udp or tcp)", p)
		}
		cfg.protos = append(cfg.protos, lab.Proto(p))
	}
	cfg.only = map[string]bool{}
	for _, s := range splitList(*only) {
		if !slices.Contains(sections, s) {
			return usage("unknown section %q (want some of %s)", s, strings.Join(sections, ", "))
		}
		cfg.only[s] = true
	}
	if err := lab.Prerequisites("iperf3", "ping"); err != nil {
		return fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	began := time.Now()
	res := &results{}
	env := machine(ctx)
	failed := false
	for i, p := range cfg.protos {
		// Idle and the service need one lab only: the first.
		if err := benchLab(ctx, cfg, p, i == 0, res); err != nil {
			fmt.Fprintln(os.Stderr, "cvpn-bench:", err)
			failed = true
			if ctx.Err() != nil {
				return 130
			}
		}
	}
	fmt.Println()
	fmt.Printf("### cvpn-bench, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	for _, l := range env {
		fmt.Println("- " + l)
	}
	fmt.Printf("- %d rounds, iperf3 %v per run, paced at %d Mbit/s, idle watched %v, %d service cycles; took %v\n\n",
		cfg.rounds, cfg.duration, *rateMb, cfg.idle, cfg.cycles, time.Since(began).Round(time.Second))
	renderTable(os.Stdout, res.rows)
	if failed {
		return 1
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func fail(err error) int {
	fmt.Fprintln(os.Stderr, "cvpn-bench:", err)
	return 1
}

func usage(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "cvpn-bench: "+format+"\n", a...)
	return 2
}

// results collects samples by metric, in the order metrics first appear.
type results struct {
	rows []row
}

func (r *results) add(metric, format, client string, v float64) {
	i := slices.IndexFunc(r.rows, func(x row) bool { return x.metric == metric })
	if i < 0 {
		r.rows = append(r.rows, row{metric: metric, format: format})
		i = len(r.rows) - 1
	}
	if client == "stock" {
		r.rows[i].stock = append(r.rows[i].stock, v)
	} else {
		r.rows[i].cvpn = append(r.rows[i].cvpn, v)
	}
}

// benchLab builds a lab for one transport and measures every client in it
// for every round.
func benchLab(ctx context.Context, cfg config, proto lab.Proto, first bool, res *results) error {
	opts := lab.Options{NoSignalHook: true}
	opts.Server.Proto = proto
	opts.Server.DataCiphers = []string{cfg.cipher}
	// Real servers push a keepalive, and its timer is part of what an idle
	// tunnel costs.
	opts.Server.KeepaliveInterval = 10
	l, err := lab.New(ctx, opts)
	if err != nil {
		return err
	}
	defer l.Close()
	profile := filepath.Join(l.Dir, "bench.ovpn")
	if err := l.WriteClientProfile(profile, lab.ProfileOptions{}); err != nil {
		return err
	}
	iperfSrv, err := lab.StartProcess("iperf3-server", l.ServerNS, filepath.Join(l.Dir, "iperf3.log"), []string{"iperf3", "-s"})
	if err != nil {
		return err
	}
	defer iperfSrv.Stop()
	fmt.Fprintf(os.Stderr, "lab %d: %s server, %s\n", l.Index, proto, cfg.cipher)

	var errs []error
	for r := range cfg.rounds {
		order := slices.Clone(cfg.clients)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, c := range order {
			t0 := time.Now()
			err := benchClient(ctx, cfg, l, profile, c, r, first, res)
			if err == nil {
				fmt.Fprintf(os.Stderr, "%s %s, round %d of %d: done in %v\n", proto, c, r+1, cfg.rounds, time.Since(t0).Round(time.Second))
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s %s, round %d: %v\n", proto, c, r+1, err)
				errs = append(errs, err)
				if ctx.Err() != nil {
					return err
				}
			}
		}
	}
	if first && cfg.only["service"] && slices.Contains(cfg.clients, "cvpn") {
		if err := benchService(ctx, cfg, l, profile, res); err != nil {
			fmt.Fprintf(os.Stderr, "service: %v\n", err)
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %d measurements failed", proto, len(errs))
	}
	return nil
}

func clientArgv(cfg config, l *lab.Lab, profile, client string) []string {
	if client == "stock" {
		return []string{lab.OpenVPN, "--config", profile, "--disable-dco", "--verb", "3"}
	}
	return []string{cfg.cvpn, "connect", "--foreground", "--verbose", "--state-dir", filepath.Join(l.Dir, "state"), profile}
}

// benchClient measures one client once: its connects, then with the last
// connection up, transfers, latency, idle and memory.
func benchClient(ctx context.Context, cfg config, l *lab.Lab, profile, client string, round int, first bool, res *results) error {
	P := strings.ToUpper(string(l.Opts.Server.Proto))
	pinger, err := lab.StartPinger(l.ClientNS, l.ServerTunIP, 2*time.Millisecond)
	if err != nil {
		return err
	}
	closePinger := sync.OnceFunc(func() { pinger.Close() })
	defer closePinger()
	connects := 1
	if cfg.only["connect"] {
		connects = max(1, cfg.connects)
	}
	var c *clientProc
	for i := range connects {
		name := fmt.Sprintf("%s-%s-r%d-%d", client, l.Opts.Server.Proto, round+1, i+1)
		c, err = startClient(name, l.ClientNS, filepath.Join(l.Dir, name+".log"), clientArgv(cfg, l, profile, client))
		if err != nil {
			return err
		}
		d, err := c.waitConnected(ctx, pinger, 30*time.Second)
		if err != nil {
			c.stop()
			return err
		}
		if cfg.only["connect"] {
			res.add(P+" connect: process start → first answered ping (ms)", "%.1f", client, ms(d))
			recordPhases(ctx, cfg, l, c, client, d, P, res)
		}
		if i < connects-1 {
			c.stop()
		}
	}
	defer c.stop()
	closePinger()

	type dir struct {
		name    string
		reverse bool
	}
	for _, dr := range []dir{{"up", false}, {"down", true}} {
		if cfg.only["cpu"] {
			x, err := iperfCosted(ctx, l, c.pid, cfg.duration, dr.reverse, 0)
			if err != nil {
				return fmt.Errorf("full speed %s: %w", dr.name, err)
			}
			res.add(fmt.Sprintf("%s %s: throughput (Mbit/s)", P, dr.name), "%.0f", client, x.bitsPerSecond/1e6)
			res.add(fmt.Sprintf("%s %s: client CPU-s per GB, full speed", P, dr.name), "%.2f", client, x.cpuPerGB())
			res.add(fmt.Sprintf("%s %s: … of which in the kernel (system time)", P, dr.name), "%.2f", client, x.sysPerGB())
			res.add(fmt.Sprintf("%s %s: lab server CPU %% of a core, full speed", P, dr.name), "%.0f", client, x.serverPercent())
		}
		if cfg.only["paced"] {
			x, err := iperfCosted(ctx, l, c.pid, cfg.duration, dr.reverse, cfg.rate)
			if err != nil {
				return fmt.Errorf("paced %s: %w", dr.name, err)
			}
			res.add(fmt.Sprintf("%s %s: client CPU-s per GB, paced %d Mbit/s", P, dr.name, cfg.rate/1e6), "%.2f", client, x.cpuPerGB())
			res.add(fmt.Sprintf("%s %s: … of which in the kernel, paced", P, dr.name), "%.2f", client, x.sysPerGB())
		}
	}
	if cfg.only["latency"] {
		// Full speed up and down, where the single-threaded lab server is
		// the bottleneck and its socket queue sets most of the delay, and
		// a paced upload both clients carry, where the delay is what the
		// client itself adds.
		loads := []struct {
			name    string
			reverse bool
			rate    int64
		}{
			{"upload", false, 0},
			{fmt.Sprintf("upload paced at %d Mbit/s", cfg.latencyRate/1e6), false, cfg.latencyRate},
			{"download", true, 0},
		}
		for _, ld := range loads {
			rtts, lost, err := latencyUnderLoad(ctx, l, cfg.duration, ld.reverse, ld.rate)
			if err != nil && ctx.Err() == nil {
				// Seen with the stock client over TCP: iperf3's control
				// connection reset at the end of a loaded run. Once more,
				// and then go on to the other sections.
				fmt.Fprintf(os.Stderr, "%s %s: latency under %s: %v; trying again\n", P, client, ld.name, err)
				time.Sleep(time.Second)
				rtts, lost, err = latencyUnderLoad(ctx, l, cfg.duration, ld.reverse, ld.rate)
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s %s: latency under %s: %v\n", P, client, ld.name, err)
				continue
			}
			res.add(fmt.Sprintf("%s ping under %s: p50 (ms)", P, ld.name), "%.2f", client, percentile(rtts, 50))
			res.add(fmt.Sprintf("%s ping under %s: p99 (ms)", P, ld.name), "%.2f", client, percentile(rtts, 99))
			res.add(fmt.Sprintf("%s ping under %s: unanswered", P, ld.name), "%.0f", client, float64(lost))
		}
	}
	if first && cfg.only["idle"] {
		time.Sleep(time.Second) // let the transfers' aftermath settle
		a, err := readProc(c.pid)
		if err != nil {
			return err
		}
		t0 := time.Now()
		select {
		case <-time.After(cfg.idle):
		case <-ctx.Done():
			return ctx.Err()
		}
		b, err := readProc(c.pid)
		if err != nil {
			return err
		}
		el := time.Since(t0).Seconds()
		res.add(P+" idle, connected: CPU % of a core", "%.3f", client, 100*(b.cpu-a.cpu)/el)
		res.add(P+" idle, connected: wake-ups per second", "%.1f", client, float64(b.switches-a.switches)/el)
	}
	if cfg.only["memory"] {
		s, err := readProc(c.pid)
		if err != nil {
			return err
		}
		res.add(P+" client peak RSS (MB)", "%.1f", client, s.hwmMB)
	}
	return nil
}

// recordPhases adds the connect breakdown of one connect.
func recordPhases(ctx context.Context, cfg config, l *lab.Lab, c *clientProc, client string, total time.Duration, P string, res *results) {
	var (
		ph   map[string]time.Duration
		done time.Duration
	)
	if client == "stock" {
		if !c.waitLine(lab.InitDone, 2*time.Second) {
			fmt.Fprintf(os.Stderr, "%s: no %q line; its output ends:\n%s", c.name, lab.InitDone, c.tail(10))
		}
		ph, done = phases(c.log(), stockMarkers)
	} else {
		// cvpn prints progress after the fact: wait for the last line,
		// then prefer its own timing lines (engine-relative) and add the
		// process start, taken from a run of `cvpn version`.
		c.waitLine(": connected: ", 2*time.Second)
		var ok bool
		ph, done, ok = cvpnTimingPhases(c.log())
		if !ok {
			ph, done = phases(c.log(), cvpnMarkers)
		}
		if st, err := execTime(ctx, l.ClientNS, []string{cfg.cvpn, "version"}); err == nil {
			if ok {
				ph[phaseStart] = st
				done += st
			} else if tun, found := ph[phaseTUN]; found && tun > st {
				ph[phaseStart], ph[phaseTUN] = st, tun-st
			}
		}
	}
	for _, p := range phaseOrder {
		if d, ok := ph[p]; ok {
			res.add(fmt.Sprintf("%s connect phase: %s (ms)", P, p), "%.1f", client, ms(d))
		}
	}
	if done > 0 && total > done {
		res.add(P+" connect phase: connected → first answered ping (ms)", "%.1f", client, ms(total-done))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
