package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/cvpn/cvpn/logs"
	"github.com/cvpn/cvpn/profile"
	"github.com/cvpn/cvpn/service/ipc"
	"github.com/cvpn/cvpn/service/userguard"
	"github.com/cvpn/cvpn/tunnel"
)

// Config configures the daemon. Zero fields take the OS's defaults
// (paths.go), which the environment variables CVPN_SOCKET, CVPN_STATE_DIR
// and CVPN_LOG_DIR override.
type Config struct {
	Addr     string // socket path or pipe name
	StateDir string // crash-recovery records
	LogDir   string // connection and diagnostic logs
	Debug    bool   // packet-level detail in the diagnostic log
	Version  string
	// Sessions lists logins for the one-user guard and the access policy;
	// nil means the system's (logind, utmp, utmpx, WTS).
	Sessions userguard.Source
	// Backend names Sessions for status; nil asks the system source.
	Backend func() string
	// GuardInterval is how often the guard re-checks while connected.
	GuardInterval time.Duration
	// Ready is called once the API listens (svcrun.Ready for systemd).
	Ready func()
	// Stderr receives the lines an operator starting the service by hand
	// should see (where it listens, what it recovered).
	Stderr func(format string, args ...any)
}

// StateDir is where crash-recovery records live: $CVPN_STATE_DIR, else the
// system's directory. connect --foreground shares it with the service, so
// either undoes what the other left when it died.
func StateDir() string {
	if d := os.Getenv("CVPN_STATE_DIR"); d != "" {
		return d
	}
	return defaultStateDir()
}

func (c *Config) defaults() {
	pick := func(v *string, env, def string) {
		if *v == "" {
			*v = os.Getenv(env)
		}
		if *v == "" {
			*v = def
		}
	}
	pick(&c.Addr, "CVPN_SOCKET", ipc.DefaultAddr)
	if c.StateDir == "" {
		c.StateDir = StateDir()
	}
	pick(&c.LogDir, "CVPN_LOG_DIR", defaultLogDir())
	if c.Sessions == nil {
		sys := userguard.NewSystemSource()
		c.Sessions, c.Backend = sys, sys.Backend
	}
	if c.GuardInterval == 0 {
		c.GuardInterval = 5 * time.Second
	}
	if c.Stderr == nil {
		c.Stderr = func(string, ...any) {}
	}
}

// Run is the daemon: it undoes what a crashed predecessor left, listens on
// the local API and runs tunnels until ctx ends, then disconnects them all
// and returns.
func Run(ctx context.Context, cfg Config) error {
	cfg.defaults()
	if runtime.GOOS != "windows" && os.Geteuid() != 0 {
		return errors.New("the cvpn service must run as root: it creates TUN devices and changes routes (start it with systemctl start cvpn, or sudo cvpn service)")
	}
	dir, err := logs.Open(cfg.LogDir, logs.Options{})
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	defer dir.Close()
	log := dir.Logger(cfg.Debug)
	var debugf logs.Func
	if cfg.Debug {
		debugf = log.Debugf
	}
	src := cfg.Sessions
	m := tunnel.NewManager(tunnel.Config{
		StateDir: cfg.StateDir,
		Version:  "cvpn " + cfg.Version,
		Logf:     log.Logf,
		Debugf:   debugf,
		// A connect may ask for its tunnel's detail (log level debug).
		RequestDebugf: dir.Logger(true).Debugf,
		Redact:        dir.Redactor().Redact,
		ConnLog:       dir.Connections(),
		Guard:         func(ctx context.Context) error { return userguard.Check(ctx, src) },
	})
	log.Logf("service %s starting (pid %d)", cfg.Version, os.Getpid())
	// Listen first: it fails when another service is running, and that
	// service's routes are not ours to undo.
	l, err := ipc.Listen(cfg.Addr)
	if err != nil {
		return fmt.Errorf("service: %w", err)
	}
	// Crash records tell root what to undo: a directory another user can
	// write or link elsewhere would let them choose it. Refuse to start
	// rather than act on one (logs.Open applied the same rule to the logs).
	if err := logs.PrepareDir(cfg.StateDir); err != nil {
		l.Close()
		return fmt.Errorf("service: state directory: %w", err)
	}
	recovered, err := m.Recover()
	for _, line := range recovered {
		cfg.Stderr("recovered: %s", line)
	}
	if err != nil {
		log.Errorf("recover: %v", err)
		cfg.Stderr("warning: %v", err)
	}
	backend := cfg.Backend
	if backend == nil {
		backend = func() string { return "custom" }
	}
	srv := &Server{Manager: m, Logs: dir, Sessions: src, Backend: backend, Version: cfg.Version, Logf: log.Logf}
	log.Logf("listening on %s", cfg.Addr)
	cfg.Stderr("cvpn service %s listening on %s (logs in %s)", cfg.Version, cfg.Addr, cfg.LogDir)
	if cfg.Ready != nil {
		cfg.Ready()
	}

	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go m.WatchGuard(bg, cfg.GuardInterval)
	go enforceLogs(bg, dir, log)
	// Always-on (connect_at_start naming a managed profile); it logs why
	// when it cannot.
	go func() { _ = srv.ConnectAtStart(bg, profile.DefaultManagedDir()) }()
	serveErr := srv.Serve(ctx, l)

	// Shutting down: tunnels say goodbye and undo their changes.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Close(sctx); err != nil {
		log.Errorf("stop tunnels: %v", err)
	}
	log.Logf("service stopped")
	return serveErr
}

// enforceLogs applies the log caps every minute, besides the checks the
// writers make themselves, so that age limits hold on an idle service.
func enforceLogs(ctx context.Context, dir *logs.Dir, log *logs.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := dir.Enforce(); err != nil {
				log.Errorf("enforce log limits: %v", err)
			}
		}
	}
}
