//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/cvpn/cvpn/e2e/lab"
)

// machine describes where the figures come from, for the table's header:
// a figure means little without the machine, and less on a busy one.
func machine(ctx context.Context) []string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if v, ok := cpuModel(string(b)); ok {
			model = v
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	load, _ := os.ReadFile("/proc/loadavg")
	ovpn, _ := exec.CommandContext(ctx, lab.OpenVPN, "--version").Output()
	ovpnLine, _, _ := strings.Cut(string(ovpn), "\n")
	ipf, _ := exec.CommandContext(ctx, "iperf3", "--version").Output()
	ipfLine, _, _ := strings.Cut(string(ipf), "\n")
	loadFields := strings.Fields(string(load))
	return []string{
		fmt.Sprintf("machine: %d CPUs, %s, Linux %s", runtime.NumCPU(), model, strings.TrimSpace(string(kernel))),
		fmt.Sprintf("bench built with %s; %s; %s", runtime.Version(), strings.TrimSpace(ovpnLine), strings.TrimSpace(ipfLine)),
		fmt.Sprintf("load average at start: %s", strings.Join(loadFields[:min(3, len(loadFields))], " ")),
	}
}

// cpuModel is the first "model name" in /proc/cpuinfo.
func cpuModel(cpuinfo string) (string, bool) {
	for _, line := range strings.Split(cpuinfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}
