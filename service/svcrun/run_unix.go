//go:build !windows

package svcrun

import "context"

// Run runs the daemon: run gets a context canceled on SIGINT or SIGTERM
// (how systemd and launchd stop a service), and Run returns run's result.
// name is the service's name, used on Windows only.
func Run(name string, run func(ctx context.Context) error) error {
	return runSignals(run, stopping)
}
