//go:build linux

package main

// A client under test: started in the lab's client namespace with its
// output on a pipe, so every line is stamped the moment it is read; the
// pipe adds microseconds, and neither client stamps its lines finer than
// that anyway (openvpn to the second unless machine-readable, cvpn not at
// all).

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
)

type clientProc struct {
	name  string
	start time.Time
	pid   int
	done  chan struct{}

	mu    sync.Mutex
	lines []logLine
}

// startClient runs argv in namespace ns, its output copied to logPath.
func startClient(name, ns, logPath string, argv []string) (*clientProc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	cmd := lab.Command(context.Background(), ns, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	c := &clientProc{name: name, done: make(chan struct{})}
	c.start = time.Now()
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	w.Close()
	c.pid = cmd.Process.Pid
	go func() {
		defer logf.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			at := time.Since(c.start)
			c.mu.Lock()
			c.lines = append(c.lines, logLine{at, sc.Text()})
			c.mu.Unlock()
			fmt.Fprintf(logf, "%8.3fms %s\n", float64(at.Microseconds())/1000, sc.Text())
		}
		r.Close()
		_ = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

func (c *clientProc) log() []logLine {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]logLine(nil), c.lines...)
}

func (c *clientProc) tail(n int) string {
	ls := c.log()
	ls = ls[max(0, len(ls)-n):]
	var b strings.Builder
	for _, l := range ls {
		b.WriteString(l.text + "\n")
	}
	return b.String()
}

// waitLine waits up to limit for a line containing substr: a client may
// print its progress after the tunnel already carries traffic.
func (c *clientProc) waitLine(substr string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		for _, l := range c.log() {
			if strings.Contains(l.text, substr) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop ends the client with SIGTERM, as a user's Ctrl-C or disconnect
// would, and SIGKILL after 5 s.
func (c *clientProc) stop() {
	_ = syscall.Kill(c.pid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-c.pid, syscall.SIGKILL)
		<-c.done
	}
}

// waitConnected waits until pinger has an answer to a request sent after
// the client started, and returns the time from the start to that answer.
func (c *clientProc) waitConnected(ctx context.Context, p *lab.Pinger, limit time.Duration) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	go func() {
		select {
		case <-c.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	r, err := p.WaitReply(ctx, c.start)
	if err != nil {
		select {
		case <-c.done:
			return 0, fmt.Errorf("%s exited before the tunnel came up:\n%s", c.name, c.tail(15))
		default:
		}
		return 0, fmt.Errorf("%s: %w\n%s", c.name, err, c.tail(15))
	}
	return r.Replied.Sub(c.start), nil
}

// procStat is what /proc says of a process and all its threads.
type procStat struct {
	cpu      float64 // user+system seconds
	sys      float64 // of which system (in the kernel, on the process's behalf)
	switches int64   // voluntary + non-voluntary context switches, all threads
	rssMB    float64 // VmRSS
	hwmMB    float64 // VmHWM, the peak
}

func readProc(pid int) (procStat, error) {
	var s procStat
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("read /proc/%d: %w", pid, err)
	}
	s.cpu, s.sys, err = parseStatCPU(string(b))
	if err != nil {
		return s, err
	}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("read /proc/%d: %w", pid, err)
	}
	f := statusFields(string(st))
	s.rssMB, s.hwmMB = f["VmRSS"]/1024, f["VmHWM"]/1024
	// A process's status counts its main thread's switches only; a Go
	// program wakes on many threads.
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		tb, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", pid, t.Name()))
		if err != nil {
			continue // the thread just exited
		}
		tf := statusFields(string(tb))
		s.switches += int64(tf["voluntary_ctxt_switches"] + tf["nonvoluntary_ctxt_switches"])
	}
	return s, nil
}

// parseStatCPU is user+system time, and system time alone, in seconds from
// a /proc/PID/stat line (fields 14 and 15, in ticks of 1/100 s).
func parseStatCPU(stat string) (total, sys float64, err error) {
	// The command name may hold spaces; fields are counted after its ')'.
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("parse /proc stat: no command name")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("parse /proc stat: %d fields", len(f))
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("parse /proc stat: bad times %q %q", f[11], f[12])
	}
	return (ut + st) / 100, st / 100, nil
}

// statusFields reads the numeric fields of /proc/PID/status ("kB" dropped).
func statusFields(status string) map[string]float64 {
	m := map[string]float64{}
	for _, line := range strings.Split(status, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		if x, err := strconv.ParseFloat(f[0], 64); err == nil {
			m[k] = x
		}
	}
	return m
}
