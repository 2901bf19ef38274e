//go:build linux

package main

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseIperf(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    transfer
		wantErr string
	}{
		{"upload", `{"start":{},"end":{"sum_sent":{"bytes":999,"bits_per_second":1},"sum_received":{"bytes":524288000,"bits_per_second":419430400.5}}}`,
			transfer{419430400.5, 524288000}, ""},
		{"error report", `{"start":{},"end":{},"error":"the server is busy running a test. try again later"}`, transfer{}, "busy"},
		{"nothing received", `{"end":{"sum_received":{"bytes":0,"bits_per_second":0}}}`, transfer{}, "no bytes"},
		{"not json", `iperf3: error - unable to connect`, transfer{}, "parse iperf3 output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseIperf([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParsePingRTTs(t *testing.T) {
	out := `PING 198.19.1.1 (198.19.1.1) 56(84) bytes of data.
64 bytes from 198.19.1.1: icmp_seq=1 ttl=64 time=0.412 ms
64 bytes from 198.19.1.1: icmp_seq=2 ttl=64 time=12.5 ms
From 198.19.1.2 icmp_seq=3 Destination Host Unreachable
64 bytes from 198.19.1.1: icmp_seq=4 ttl=64 time<1 ms

--- 198.19.1.1 ping statistics ---
4 packets transmitted, 3 received, 25% packet loss, time 30ms
rtt min/avg/max/mdev = 0.412/4.3/12.5/5.6 ms`
	got := parsePingRTTs(out)
	want := []float64{0.412, 12.5, 1}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestPercentileAndMedian(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(100 - i) // 100..1, unsorted on purpose
	}
	tests := []struct {
		name string
		xs   []float64
		p    float64
		want float64
	}{
		{"p50 of 1..100", hundred, 50, 50},
		{"p99 of 1..100", hundred, 99, 99},
		{"p100 is the max", hundred, 100, 100},
		{"tiny p is the min", hundred, 0.001, 1},
		{"one sample", []float64{7}, 99, 7},
		{"p99 of three is the max", []float64{3, 1, 2}, 99, 3},
		{"none", nil, 50, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := percentile(tt.xs, tt.p)
			if got != tt.want && !(math.IsNaN(got) && math.IsNaN(tt.want)) {
				t.Fatalf("percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		xs   []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{5}, 5}} {
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
}

func lines(spec ...any) []logLine {
	var ls []logLine
	for i := 0; i < len(spec); i += 2 {
		ls = append(ls, logLine{time.Duration(spec[i].(int)) * time.Millisecond, spec[i+1].(string)})
	}
	return ls
}

func ms2d(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

func TestPhases(t *testing.T) {
	tests := []struct {
		name     string
		lines    []logLine
		markers  []marker
		want     map[string]time.Duration
		wantDone time.Duration
	}{
		{
			name: "stock openvpn at verb 3",
			lines: lines(
				10, "Note: --cipher is not set.",
				11, "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)]",
				14, "UDPv4 link remote: [AF_INET]198.18.1.1:1194",
				15, "TLS: Initial packet from [AF_INET]198.18.1.1:1194",
				20, "[server] Peer Connection Initiated with [AF_INET]198.18.1.1:1194",
				21, "PUSH: Received control message: 'PUSH_REPLY,...'",
				22, "TUN/TAP device tun0 opened",
				24, "Initialization Sequence Completed",
			),
			markers: stockMarkers,
			want: map[string]time.Duration{phaseStart: 11 * time.Millisecond, phaseResolve: 3 * time.Millisecond,
				phaseTLS: 6 * time.Millisecond, phasePush: time.Millisecond, phaseTUN: time.Millisecond, phaseNetcfg: 2 * time.Millisecond},
			wantDone: 24 * time.Millisecond,
		},
		{
			name: "a missing marker folds into the next",
			lines: lines(
				11, "OpenVPN 2.6.14",
				20, "[server] Peer Connection Initiated",
				24, "Initialization Sequence Completed",
			),
			markers:  stockMarkers,
			want:     map[string]time.Duration{phaseStart: 11 * time.Millisecond, phaseTLS: 9 * time.Millisecond, phaseNetcfg: 4 * time.Millisecond},
			wantDone: 24 * time.Millisecond,
		},
		{
			name: "cvpn progress lines, prefixed with the profile name",
			lines: lines(
				5, "lab: device cvpn0",
				6, "  lab: resolving: 198.18.1.1",
				7, "  lab: connecting: 198.18.1.1:1194/udp",
				20, "  lab: getting-config: waiting for PUSH_REPLY",
				22, "  lab: address 198.19.1.2/24 on cvpn0",
				25, "  lab: connected: 198.19.1.2 via 198.18.1.1:1194/udp",
			),
			markers: cvpnMarkers,
			want: map[string]time.Duration{phaseTUN: 5 * time.Millisecond, phaseResolve: 2 * time.Millisecond,
				phaseTLS: 13 * time.Millisecond, phasePush: 2 * time.Millisecond, phaseNetcfg: 3 * time.Millisecond},
			wantDone: 25 * time.Millisecond,
		},
		{name: "nothing printed", markers: stockMarkers, want: map[string]time.Duration{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, done := phases(tt.lines, tt.markers)
			if done != tt.wantDone || len(got) != len(tt.want) {
				t.Fatalf("got %v, done %v; want %v, done %v", got, done, tt.want, tt.wantDone)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestCvpnTimingPhases(t *testing.T) {
	full := lines(
		1, "  client: timing: tun-open 3.6",
		1, "  client: timing: dial 4.2",
		1, "  client: timing: resolved 6.2",
		2, "client: device cvpn0",
		2, "  client: timing: tls 14.3",
		2, "  client: timing: key-method-2 16.1",
		2, "  client: timing: push-reply 20.6",
		2, "  client: timing: configured 21.8",
		2, "  client: timing: tunnel-up 22.0",
	)
	ph, done, ok := cvpnTimingPhases(full)
	if !ok {
		t.Fatal("not ok")
	}
	want := map[string]time.Duration{phaseTUN: ms2d(3.6), phaseResolve: ms2d(6.2) - ms2d(3.6), phaseTLS: ms2d(16.1) - ms2d(6.2),
		phasePush: ms2d(20.6) - ms2d(16.1), phaseNetcfg: ms2d(21.8) - ms2d(20.6)}
	for k, v := range want {
		if ph[k] != v {
			t.Errorf("%s = %v, want %v", k, ph[k], v)
		}
	}
	if done != ms2d(22.0) {
		t.Errorf("done = %v, want 22ms", done)
	}
	if _, done, _ := cvpnTimingPhases(full[:len(full)-1]); done != ms2d(21.8) {
		t.Errorf("done without tunnel-up = %v, want configured's 21.8ms", done)
	}
	// Without key-method-2 (older binaries) the handshake ends at tls.
	older := append(slices.Clone(full[:5]), full[6:]...)
	if ph, _, ok := cvpnTimingPhases(older); !ok || ph[phaseTLS] != ms2d(14.3)-ms2d(6.2) || ph[phasePush] != ms2d(20.6)-ms2d(14.3) {
		t.Errorf("without key-method-2: ok %v, phases %v", ok, ph)
	}
	if _, _, ok := cvpnTimingPhases(full[:4]); ok {
		t.Error("ok without tls, push-reply and configured")
	}
	if _, _, ok := cvpnTimingPhases(lines(1, "client: device cvpn0")); ok {
		t.Error("ok without any timing line")
	}
}

func TestRenderTable(t *testing.T) {
	var b bytes.Buffer
	renderTable(&b, []row{
		{metric: "UDP up: throughput (Mbit/s)", format: "%.0f", stock: []float64{400, 500, 450}, cvpn: []float64{900, 700, 800}},
		{metric: "service RSS: idle (MB)", format: "%.1f", cvpn: []float64{11.24}},
		{metric: "idle CPU %", format: "%.3f", stock: []float64{0}, cvpn: []float64{0.2}},
	})
	want := `| metric | stock | cvpn | cvpn/stock |
|---|---:|---:|---:|
| UDP up: throughput (Mbit/s) | 450 | 800 | 1.78× |
| service RSS: idle (MB) | — | 11.2 | — |
| idle CPU % | 0.000 | 0.200 | — |
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestProcParsing(t *testing.T) {
	cpu, sys, err := parseStatCPU("1234 (cvpn (x) y) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 9 0 100 0 0")
	if sys != 0.75 {
		t.Errorf("parseStatCPU system time = %v, want 0.75", sys)
	}
	if err != nil || cpu != 3.25 {
		t.Errorf("parseStatCPU = %v, %v; want 3.25", cpu, err)
	}
	if _, _, err := parseStatCPU("garbage"); err == nil {
		t.Error("parseStatCPU(garbage) succeeded")
	}
	f := statusFields("Name:\tcvpn\nVmHWM:\t   18228 kB\nVmRSS:\t   12000 kB\nvoluntary_ctxt_switches:\t42\n")
	if f["VmHWM"] != 18228 || f["VmRSS"] != 12000 || f["voluntary_ctxt_switches"] != 42 {
		t.Errorf("statusFields = %v", f)
	}
	if m, ok := cpuModel("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n"); !ok || m != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q, %v", m, ok)
	}
}

func TestIperfRetryable(t *testing.T) {
	tests := []struct {
		out  string
		want bool
	}{
		{`iperf3: error - the server is busy running a test. try again later`, true},
		{`iperf3: error - unable to receive control message: Connection reset by peer`, true},
		{`iperf3: error - unable to connect to server: No route to host`, false},
		{`{"error": "unable to send control message: Bad file descriptor"}`, false},
		{``, false},
	}
	for _, tt := range tests {
		if got := iperfRetryable(tt.out); got != tt.want {
			t.Errorf("iperfRetryable(%q) = %v, want %v", tt.out, got, tt.want)
		}
	}
}
