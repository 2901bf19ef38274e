// Package netcfg applies a typed network configuration to the operating
// system — the tunnel device's addresses and MTU, routes into the tunnel,
// the host routes that keep the VPN server outside it, net_gateway routes
// resolved against the path the system uses before the tunnel, and the
// unreachable routes that block IPv6 around an IPv4-only tunnel, and DNS
// (resolv.conf, restored byte for byte) — and undoes
// exactly what it applied. Applied is plain data, so the tunnel manager
// can persist it and undo a dead process's changes on the next start.
//
// It knows nothing about OpenVPN. Per-OS files are named by what they do
// (routes_linux.go); each OS layer reaches the system through a small
// interface that tests replace with a recorder, so the calls a given
// configuration makes are compared with golden files in testdata/.
package netcfg
