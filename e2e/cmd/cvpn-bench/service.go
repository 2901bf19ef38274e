//go:build linux

package main

// The service half: `cvpn service` in the lab's client namespace, driven
// by the cvpn CLI from outside it, as a desktop would.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cvpn/cvpn/e2e/lab"
	"github.com/cvpn/cvpn/service/api"
	"github.com/cvpn/cvpn/service/client"
)

type service struct {
	l      *lab.Lab
	bin    string
	sock   string
	config string
	proc   *lab.Process
}

func startService(ctx context.Context, cfg config, l *lab.Lab) (*service, error) {
	s := &service{l: l, bin: cfg.cvpn, sock: filepath.Join(l.Dir, "cvpn.sock"), config: filepath.Join(l.Dir, "cvpn-config")}
	// The service allows one logged-in user; tell it there is one, root,
	// with a utmp record kept alive by our own pid.
	utmp := filepath.Join(l.Dir, "utmp")
	rec := make([]byte, 384)                  // glibc struct utmp on x86_64/arm64
	binary.LittleEndian.PutUint16(rec[0:], 7) // USER_PROCESS
	binary.LittleEndian.PutUint32(rec[4:], uint32(os.Getpid()))
	copy(rec[8:40], "tty1")
	copy(rec[44:76], "root")
	binary.LittleEndian.PutUint32(rec[340:], uint32(time.Now().Unix()))
	if err := os.WriteFile(utmp, rec, 0o644); err != nil {
		return nil, err
	}
	argv := []string{s.bin, "service", "--socket", s.sock, "--state-dir", filepath.Join(l.Dir, "svc-state"),
		"--log-dir", filepath.Join(l.Dir, "svc-logs"), "--utmp", utmp}
	p, err := lab.StartProcess("cvpn-service", l.ClientNS, filepath.Join(l.Dir, "service.log"), argv)
	if err != nil {
		return nil, err
	}
	s.proc = p
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := p.WaitFor(wctx, "listening on"); err != nil {
		p.Stop()
		return nil, err
	}
	return s, nil
}

// cli runs the cvpn CLI outside the namespaces: only the socket connects
// it to the service.
func (s *service) cli(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = append(os.Environ(), "CVPN_SOCKET="+s.sock, "CVPN_CONFIG_DIR="+s.config)
	var o bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &o
	if err := cmd.Run(); err != nil {
		return o.String(), fmt.Errorf("cvpn %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(o.String()))
	}
	return o.String(), nil
}

func (s *service) rss() (float64, error) {
	st, err := readProc(s.proc.Pid())
	return st.rssMB, err
}

// extraServer starts another stock server in the lab's server namespace
// on port, handing out addresses from its own subnet, so that several
// tunnels can be up at once without their routes conflicting (the service
// refuses overlapping tunnels). It returns a profile for it.
func extraServer(ctx context.Context, l *lab.Lab, k int) (string, error) {
	b, err := os.ReadFile(l.ServerConfigPath)
	if err != nil {
		return "", err
	}
	port := l.Opts.Server.Port + k
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "port":
			line = fmt.Sprintf("port %d", port)
		case len(f) == 2 && f[0] == "dev":
			line = fmt.Sprintf("dev tunx%d", k)
		case len(f) == 3 && f[0] == "server":
			line = fmt.Sprintf("server 10.231.%d.0 255.255.255.0", k)
		}
		out = append(out, line)
	}
	conf := filepath.Join(l.Dir, fmt.Sprintf("server-%d.conf", k))
	if err := os.WriteFile(conf, []byte(strings.Join(out, "\n")), 0o600); err != nil {
		return "", err
	}
	p, err := lab.StartProcess(fmt.Sprintf("server-%d", k), l.ServerNS, filepath.Join(l.Dir, fmt.Sprintf("server-%d.log", k)),
		[]string{lab.OpenVPN, "--config", conf})
	if err != nil {
		return "", err
	}
	go func() { <-ctx.Done(); p.Stop() }()
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := p.WaitFor(wctx, lab.InitDone); err != nil {
		return "", fmt.Errorf("extra server %d: %w", k, err)
	}
	profile := filepath.Join(l.Dir, fmt.Sprintf("bench-%d.ovpn", k))
	err = l.WriteClientProfile(profile, lab.ProfileOptions{Remote: netip.AddrPortFrom(l.ServerLinkIP, uint16(port))})
	return profile, err
}

// The rows of the service's connects, after the transport's name.
const (
	rowCLIReturns   = " connect via service: `cvpn connect` → returns (ms; stock: process start → ping)"
	rowCLIPing      = " connect via service: `cvpn connect` → first answered ping (ms; stock: same as above)"
	rowAPIConnected = " connect via service API (the app's path): request → connected event (ms)"
	rowAPIPing      = " connect via service API (the app's path): request → first answered ping (ms)"
)

// untilReply is the time from t0 to the pinger's first answer after it.
func untilReply(ctx context.Context, pinger *lab.Pinger, t0 time.Time) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := pinger.WaitReply(ctx, t0)
	if err != nil {
		return 0, err
	}
	return r.Replied.Sub(t0), nil
}

// benchService measures connects through the service and its memory.
func benchService(ctx context.Context, cfg config, l *lab.Lab, profile string, res *results) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := startService(ctx, cfg, l)
	if err != nil {
		return err
	}
	defer s.proc.Stop()
	time.Sleep(time.Second)
	if v, err := s.rss(); err == nil {
		res.add("service RSS: idle after start (MB)", "%.1f", "cvpn", v)
	}
	if _, err := s.cli(ctx, "profile", "import", profile, "--name", "lab"); err != nil {
		return err
	}
	pinger, err := lab.StartPinger(l.ClientNS, l.ServerTunIP, 2*time.Millisecond)
	if err != nil {
		return err
	}
	closePinger := sync.OnceFunc(func() { pinger.Close() })
	defer closePinger()
	P := strings.ToUpper(string(l.Opts.Server.Proto))
	// The stock client has no service: its process-start connect is what
	// cvpn's service connect is compared with.
	for _, r := range res.rows {
		if r.metric == P+" connect: process start → first answered ping (ms)" {
			for _, v := range r.stock {
				for _, m := range []string{rowCLIReturns, rowCLIPing, rowAPIConnected, rowAPIPing} {
					res.add(P+m, "%.1f", "stock", v)
				}
			}
		}
	}
	n := max(1, cfg.rounds*cfg.connects)
	var after1 float64
	for i := range n {
		t0 := time.Now()
		if _, err := s.cli(ctx, "connect", "lab"); err != nil {
			return err
		}
		ret := time.Since(t0)
		ping, err := untilReply(ctx, pinger, t0)
		if err != nil {
			return err
		}
		res.add(P+rowCLIReturns, "%.1f", "cvpn", ms(ret))
		res.add(P+rowCLIPing, "%.1f", "cvpn", ms(ping))
		if i == 0 {
			time.Sleep(500 * time.Millisecond)
			if v, err := s.rss(); err == nil {
				res.add("service RSS: 1 tunnel up (MB)", "%.1f", "cvpn", v)
			}
		}
		if _, err := s.cli(ctx, "disconnect", "lab"); err != nil {
			return err
		}
		if i == 0 {
			time.Sleep(500 * time.Millisecond)
			if after1, err = s.rss(); err != nil {
				return err
			}
			res.add("service RSS: after the first connect/disconnect cycle (MB)", "%.1f", "cvpn", after1)
		}
	}
	// The app's path: it is running already and asks the service over
	// the API, so no process starts; the same calls as its backend.
	if err := apiConnects(ctx, s, profile, pinger, n, P, res); err != nil {
		return err
	}
	closePinger()

	for range cfg.cycles {
		if _, err := s.cli(ctx, "connect", "lab"); err != nil {
			return err
		}
		if _, err := s.cli(ctx, "disconnect", "lab"); err != nil {
			return err
		}
	}
	time.Sleep(500 * time.Millisecond)
	v, err := s.rss()
	if err != nil {
		return err
	}
	total := n + cfg.cycles
	res.add(fmt.Sprintf("service RSS: after %d cycles (MB)", total), "%.1f", "cvpn", v)
	res.add(fmt.Sprintf("service RSS: growth from the first cycle to the %dth (MB)", total), "%+.1f", "cvpn", v-after1)

	// Five tunnels at once: the lab server and four more.
	names := []string{"lab"}
	for k := 1; k <= 4; k++ {
		p, err := extraServer(ctx, l, k)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("lab%d", k)
		if _, err := s.cli(ctx, "profile", "import", p, "--name", name); err != nil {
			return err
		}
		names = append(names, name)
	}
	for _, name := range names {
		if _, err := s.cli(ctx, "connect", name); err != nil {
			return err
		}
	}
	time.Sleep(500 * time.Millisecond)
	if v, err := s.rss(); err == nil {
		res.add("service RSS: 5 tunnels up (MB)", "%.1f", "cvpn", v)
	}
	if _, err := s.cli(ctx, "disconnect"); err != nil {
		return err
	}
	return nil
}

// apiConnects times n connects the way the desktop app makes them: one
// client of the service's API, its event stream open, a connect request,
// then the tunnel's "connected" event and the first answered ping.
func apiConnects(ctx context.Context, s *service, profile string, pinger *lab.Pinger, n int, P string, res *results) error {
	text, err := os.ReadFile(profile)
	if err != nil {
		return err
	}
	c := client.New(s.sock)
	evs, err := c.Events(ctx)
	if err != nil {
		return err
	}
	defer evs.Close()
	events := make(chan *api.Event, 64)
	go func() {
		defer close(events)
		for {
			ev, err := evs.Next()
			if err != nil {
				return
			}
			events <- ev
		}
	}()
	wait := func(state api.State) error {
		timeout := time.After(30 * time.Second)
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					return fmt.Errorf("service API: event stream ended waiting for %s", state)
				}
				if ev.Kind == api.EventState && ev.Tunnel == "api" && ev.State == state {
					return nil
				}
			case <-timeout:
				return fmt.Errorf("service API: no %s event within 30 s", state)
			}
		}
	}
	for range n {
		t0 := time.Now()
		if _, err := c.Connect(ctx, api.ConnectBody{Name: "api", Profile: string(text)}); err != nil {
			return fmt.Errorf("service API: connect: %w", err)
		}
		if err := wait(api.StateConnected); err != nil {
			return err
		}
		up := time.Since(t0)
		ping, err := untilReply(ctx, pinger, t0)
		if err != nil {
			return err
		}
		res.add(P+rowAPIConnected, "%.1f", "cvpn", ms(up))
		res.add(P+rowAPIPing, "%.1f", "cvpn", ms(ping))
		if _, err := c.Disconnect(ctx, "api"); err != nil {
			return fmt.Errorf("service API: disconnect: %w", err)
		}
		if err := wait(api.StateDisconnected); err != nil {
			return err
		}
	}
	return nil
}
