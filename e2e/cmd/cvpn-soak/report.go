//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/cvpn/cvpn/openvpn"
)

// minute is one row of the table.
type minute struct {
	at                 time.Duration
	mbps, minMbps      float64 // average, and the slowest second
	rssKB              int
	goroutines         int
	rekeys, reconnects uint64
	dropped            uint64
}

// result is what the run measured.
type result struct {
	rows                  []minute
	maxStall              time.Duration
	refRSS, maxRSS        int // kB, after the warm-up
	refGor, maxGor, lastG int
	sent, echoed          uint64
	stats                 openvpn.Stats
	ended                 error // the session ended early
	elapsed               time.Duration
}

// watch samples every second until the run's time is up.
func watch(ctx context.Context, s *openvpn.Session, tr *traffic, c config) *result {
	res := &result{}
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var (
		lastRx, minuteRx uint64
		stalledSince     time.Time
		cur              = minute{minMbps: -1}
	)
	for sec := 1; ; sec++ {
		select {
		case <-ctx.Done():
			res.ended = ctx.Err()
		case <-s.Done():
			res.ended = fmt.Errorf("the session ended: %v", s.Wait())
		case now := <-tick.C:
			rx := tr.rx.Load()
			d := rx - lastRx
			lastRx = rx
			minuteRx += d
			mbps := float64(d) * 8 / 1e6
			if cur.minMbps < 0 || mbps < cur.minMbps {
				cur.minMbps = mbps
			}
			if d == 0 {
				if stalledSince.IsZero() {
					stalledSince = now.Add(-time.Second)
				}
				res.maxStall = max(res.maxStall, now.Sub(stalledSince))
			} else {
				stalledSince = time.Time{}
			}
			elapsed := now.Sub(start)
			if sec%60 == 0 || elapsed >= c.total {
				cur.at = elapsed.Round(time.Second)
				secs := float64((sec-1)%60 + 1)
				cur.mbps = float64(minuteRx) * 8 / 1e6 / secs
				st := s.Stats()
				cur.rssKB, cur.goroutines = rssKB(), runtime.NumGoroutine()
				cur.rekeys, cur.reconnects, cur.dropped = st.Rekeys, st.Reconnects, st.RxDropped+st.TxDropped
				res.rows = append(res.rows, cur)
				fmt.Println(cur.row())
				cur, minuteRx = minute{minMbps: -1}, 0
			}
			if elapsed >= c.warmup {
				rss, g := rssKB(), runtime.NumGoroutine()
				if res.refRSS == 0 {
					res.refRSS, res.refGor = rss, g
				}
				res.maxRSS, res.maxGor, res.lastG = max(res.maxRSS, rss), max(res.maxGor, g), g
			}
			if elapsed < c.total {
				continue
			}
		}
		res.elapsed = time.Since(start)
		res.sent, res.echoed, res.stats = tr.sent.Load(), tr.rxOut.Load(), s.Stats()
		return res
	}
}

const header = "   time │ Mbit/s │ slowest s │  RSS MB │ goroutines │ rekeys │ reconnects │ dropped"

func (m minute) row() string {
	return fmt.Sprintf("%7s │ %6.1f │ %9.1f │ %7.1f │ %10d │ %6d │ %10d │ %7d",
		m.at, m.mbps, m.minMbps, float64(m.rssKB)/1024, m.goroutines, m.rekeys, m.reconnects, m.dropped)
}

// print writes the table and the summary.
func (r *result) print(w io.Writer, c config) {
	fmt.Fprintf(w, "\n%s\n", header)
	for _, m := range r.rows {
		fmt.Fprintln(w, m.row())
	}
	loss := 0.0
	if r.sent > 0 {
		loss = 100 * (1 - float64(r.echoed)/float64(r.sent))
	}
	fmt.Fprintf(w, "\nran %v: %d packets sent, %d echoed (%.3f%% not), %d rekeys, %d reconnects\n",
		r.elapsed.Round(time.Second), r.sent, r.echoed, loss, r.stats.Rekeys, r.stats.Reconnects)
	fmt.Fprintf(w, "longest stall %v (limit %v)\n", r.maxStall, c.stall)
	if r.refRSS > 0 {
		fmt.Fprintf(w, "RSS after warm-up %.1f MB, highest since %.1f MB (%+.1f%%, limit +10%%)\n",
			float64(r.refRSS)/1024, float64(r.maxRSS)/1024, 100*(float64(r.maxRSS)/float64(r.refRSS)-1))
		fmt.Fprintf(w, "goroutines after warm-up %d, highest since %d, at the end %d\n", r.refGor, r.maxGor, r.lastG)
	}
}

// goroutineSlack allows for a renegotiation in progress: one TLS
// goroutine per key state while it lasts.
const goroutineSlack = 3

// verdict is nil when the run passed every check.
func (r *result) verdict(c config) error {
	var errs []error
	if r.ended != nil {
		errs = append(errs, fmt.Errorf("stopped after %v: %w", r.elapsed.Round(time.Second), r.ended))
	}
	if r.maxStall > c.stall {
		errs = append(errs, fmt.Errorf("traffic stalled for %v (limit %v)", r.maxStall, c.stall))
	}
	if r.refRSS == 0 {
		errs = append(errs, errors.New("the run ended before the warm-up did"))
	} else {
		if float64(r.maxRSS) > 1.10*float64(r.refRSS) {
			errs = append(errs, fmt.Errorf("RSS grew from %d kB to %d kB, more than 10%%", r.refRSS, r.maxRSS))
		}
		if r.maxGor > r.refGor+goroutineSlack || r.lastG > r.refGor+1 {
			errs = append(errs, fmt.Errorf("goroutines grew from %d to %d (%d at the end)", r.refGor, r.maxGor, r.lastG))
		}
	}
	if r.sent > 0 && float64(r.echoed) < 0.99*float64(r.sent) {
		errs = append(errs, fmt.Errorf("%d of %d packets never came back, more than 1%%", r.sent-r.echoed, r.sent))
	}
	if r.stats.Reconnects > 0 {
		errs = append(errs, fmt.Errorf("the session reconnected %d times", r.stats.Reconnects))
	}
	if mins := int(r.elapsed / time.Minute); mins >= 2 && r.stats.Rekeys < uint64(mins-1) {
		errs = append(errs, fmt.Errorf("only %d rekeys in %v with reneg-sec 60", r.stats.Rekeys, r.elapsed.Round(time.Second)))
	}
	return errors.Join(errs...)
}

// rssKB is this process's resident set size (VmRSS), in kB.
func rssKB() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}
