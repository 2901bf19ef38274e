//go:build !windows && !darwin

package client

const startAdvice = "start it with 'sudo systemctl start cvpn', or run 'sudo cvpn service' in another terminal"
