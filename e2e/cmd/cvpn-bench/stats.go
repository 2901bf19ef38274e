package main

// The pure parts of the benchmark: what iperf3 and ping print, which log
// lines mark which connect phase, statistics, and the table. They hold no
// state and touch no system, so they are unit-tested on their own.

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// transfer is one iperf3 run as the receiving side saw it.
type transfer struct {
	bitsPerSecond float64
	bytes         int64
}

// parseIperf reads iperf3's -J report. The receiver's sum is what arrived,
// which for a TCP test through a tunnel is what the user got.
func parseIperf(out []byte) (transfer, error) {
	var r struct {
		Error string `json:"error"`
		End   struct {
			SumReceived struct {
				Bytes         int64   `json:"bytes"`
				BitsPerSecond float64 `json:"bits_per_second"`
			} `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return transfer{}, fmt.Errorf("parse iperf3 output: %w", err)
	}
	if r.Error != "" {
		return transfer{}, fmt.Errorf("iperf3: %s", r.Error)
	}
	if r.End.SumReceived.Bytes <= 0 {
		return transfer{}, fmt.Errorf("iperf3: no bytes received")
	}
	return transfer{r.End.SumReceived.BitsPerSecond, r.End.SumReceived.Bytes}, nil
}

var pingTime = regexp.MustCompile(`\btime[=<]([0-9.]+) ?ms`)

// parsePingRTTs returns the round-trip times of the replies in ping's
// per-packet output, in milliseconds.
func parsePingRTTs(out string) []float64 {
	var rtts []float64
	for _, m := range pingTime.FindAllStringSubmatch(out, -1) {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			rtts = append(rtts, v)
		}
	}
	return rtts
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of xs, or
// NaN for none: with a few hundred pings, interpolation would invent
// precision that is not there.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	rank = min(max(rank, 1), len(s))
	return s[rank-1]
}

// median of xs, NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// logLine is one line a client printed, stamped when the benchmark read
// it from the client's pipe, relative to starting the process.
type logLine struct {
	at   time.Duration
	text string
}

// Connect phases, in the order of the table. Each client goes through
// them in its own order (cvpn opens its TUN first, openvpn after the push
// reply); a phase is the time from the previous marker the client printed
// to this phase's marker.
const (
	phaseStart   = "process start"
	phaseTUN     = "TUN open"
	phaseResolve = "resolve"
	phaseTLS     = "handshake (reset, TLS, key exchange)"
	phasePush    = "push reply"
	phaseNetcfg  = "network configuration"
)

var phaseOrder = []string{phaseStart, phaseTUN, phaseResolve, phaseTLS, phasePush, phaseNetcfg}

// marker ends a phase: the first line containing text.
type marker struct {
	phase, text string
}

// cvpnMarkers are the lines `cvpn connect --foreground --verbose` prints.
// Its first line already reports the TUN device, so the process start is
// measured apart (see execTime) and subtracted from the TUN phase.
// (The lines are prefixed with the profile's name.) They are a fallback for
// binaries without "timing:" lines, and a coarse one: cvpn prints its
// progress after the fact, so a line's read time lags what it reports.
var cvpnMarkers = []marker{
	{phaseTUN, ": device "},
	{phaseResolve, ": connecting: "},
	{phaseTLS, ": getting-config"},
	{phasePush, ": address "},
	{phaseNetcfg, ": connected: "},
}

// cvpnTimingPhases reads the "NAME: timing: EVENT MS" lines cvpn prints
// with --verbose (milliseconds since the engine package's initialisation,
// a few ms after exec; see openvpn/timing.go) and splits the connect at
// tun-open, resolved, key-method-2, push-reply and configured; done is its
// "tunnel-up" (keys installed). ok is false when the lines are missing.
//
// The handshake ends at key-method-2 (the server's key exchange message
// arrived), not at tls: openvpn logs "Peer Connection Initiated" only once
// it has the server's key-method-2 message, so that is where the stock
// client's handshake ends too. Binaries from before key-method-2 was
// timed end it at tls.
func cvpnTimingPhases(lines []logLine) (ph map[string]time.Duration, done time.Duration, ok bool) {
	at := map[string]time.Duration{}
	for _, l := range lines {
		_, rest, found := strings.Cut(l.text, "timing: ")
		if !found {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		if _, seen := at[f[0]]; !seen {
			at[f[0]] = time.Duration(v * float64(time.Millisecond))
		}
	}
	handshake := "key-method-2"
	if _, found := at[handshake]; !found {
		handshake = "tls"
	}
	steps := []struct{ phase, event string }{
		{phaseTUN, "tun-open"},
		{phaseResolve, "resolved"},
		{phaseTLS, handshake},
		{phasePush, "push-reply"},
		{phaseNetcfg, "configured"},
	}
	ph = map[string]time.Duration{}
	var prev time.Duration
	for _, s := range steps {
		t, found := at[s.event]
		if !found {
			return nil, 0, false
		}
		ph[s.phase] = t - prev
		prev = t
	}
	done = prev
	for _, e := range []string{"tunnel-up", "connected"} { // the latter in early builds
		if t, found := at[e]; found {
			done = t
			break
		}
	}
	return ph, done, true
}

// stockMarkers are the lines openvpn 2.6 logs at --verb 3.
var stockMarkers = []marker{
	{phaseStart, "OpenVPN 2."},
	{phaseResolve, "link remote:"},
	{phaseTLS, "Peer Connection Initiated"},
	{phasePush, "PUSH: Received control message"},
	{phaseTUN, "TUN/TAP device"},
	{phaseNetcfg, "Initialization Sequence Completed"},
}

// phases splits a connect into the marked phases. The first phase runs
// from the process start (0); a missing marker folds its phase into the
// next one found. The result maps phase → duration, and done is the time
// of the last marker (the client's own "connected").
func phases(lines []logLine, markers []marker) (map[string]time.Duration, time.Duration) {
	out := map[string]time.Duration{}
	var prev time.Duration
	from := 0
	for _, m := range markers {
		for i := from; i < len(lines); i++ {
			if strings.Contains(lines[i].text, m.text) {
				out[m.phase] = lines[i].at - prev
				prev, from = lines[i].at, i+1
				break
			}
		}
	}
	return out, prev
}

// row is one line of the result table: the samples of each client.
type row struct {
	metric      string
	format      string // for one value, e.g. "%.2f"
	stock, cvpn []float64
}

func cell(format string, xs []float64) string {
	m := median(xs)
	if math.IsNaN(m) {
		return "—"
	}
	return fmt.Sprintf(format, m)
}

// renderTable prints rows as a markdown table of medians and the ratio of
// the medians.
func renderTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| metric | stock | cvpn | cvpn/stock |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, r := range rows {
		ratio := "—"
		s, c := median(r.stock), median(r.cvpn)
		if !math.IsNaN(s) && !math.IsNaN(c) && s != 0 {
			ratio = fmt.Sprintf("%.2f×", c/s)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.metric, cell(r.format, r.stock), cell(r.format, r.cvpn), ratio)
	}
}
