package svcrun

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sys/windows/svc"
)

// Run runs the daemon. Started by the Service Control Manager, it runs run
// as the service name, and cancels run's context on a Stop or Shutdown
// control; started from a console, it cancels it on Ctrl-C. Either way it
// returns run's result.
func Run(name string, run func(ctx context.Context) error) error {
	isService, err := svc.IsWindowsService()
	if err != nil {
		return fmt.Errorf("detect windows service: %w", err)
	}
	if !isService {
		return runSignals(run, stopping)
	}
	h := &handler{run: run}
	if err := svc.Run(name, h); err != nil {
		return fmt.Errorf("run service %s: %w", name, err)
	}
	return h.err
}

// stopWaitHint is how long the SCM is told a stop may take: closing the
// tunnels and undoing routes and DNS.
const stopWaitHint = 20 * time.Second

// handler adapts run to svc.Handler.
type handler struct {
	run func(ctx context.Context) error
	err error // run's result, read after svc.Run returns
}

// Execute reports StartPending, then Running once run has started, and
// StopPending when run returns or a Stop/Shutdown arrives; svc.Run reports
// Stopped with the exit code returned here. A failing run exits with a
// service-specific code 1, so the SCM's recovery actions apply (with
// failure actions enabled for non-crash failures, see packaging/windows).
func (h *handler) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.run(ctx) }()

	const accepts = svc.AcceptStop | svc.AcceptShutdown
	status <- svc.Status{State: svc.Running, Accepts: accepts}
	for {
		select {
		case err := <-done:
			status <- svc.Status{State: svc.StopPending}
			return h.exit(err)
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending, WaitHint: uint32(stopWaitHint / time.Millisecond)}
				cancel()
				return h.exit(<-done)
			}
		}
	}
}

func (h *handler) exit(err error) (bool, uint32) {
	h.err = err
	if err != nil {
		return true, 1
	}
	return false, 0
}
