//go:build !windows && !darwin

package client

// StartAdvice says how to start the service on this OS, for a client that
// finds it not running.
const StartAdvice = "start it with 'sudo systemctl start cvpn', or run 'sudo cvpn service' in another terminal"
