//go:build !linux

package svcrun

// Ready tells the service manager that the service is up. Only systemd
// wants to be told; elsewhere it does nothing.
func Ready() error { return nil }

func stopping() {}
