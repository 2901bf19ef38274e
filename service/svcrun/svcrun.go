// Package svcrun runs the cvpn daemon under the operating system's service
// manager: systemd (Type=notify) on Linux, launchd on macOS, the Service
// Control Manager on Windows. Each stops the service by asking it to, with
// SIGTERM or a Stop/Shutdown control; Run turns that request into the
// cancellation of the daemon's context, and returns once the daemon has
// cleaned up and returned.
package svcrun

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// runSignals runs run with a context canceled on SIGINT or SIGTERM, and
// returns run's result. onStop is called once when such a signal arrives.
// After the first signal the default handling is restored, so a second one
// (an impatient Ctrl-C) ends the process at once.
func runSignals(run func(ctx context.Context) error, onStop func()) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-sigs:
			signal.Stop(sigs)
			onStop()
			cancel()
		case <-done:
		}
	}()
	err := run(ctx)
	close(done)
	wg.Wait()
	return err
}
