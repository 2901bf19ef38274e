// Package tun owns the TUN device and the per-OS network configuration
// (addresses, routes, DNS) together with its undo. It knows nothing about
// OpenVPN: it applies a typed network configuration and can revert it.
package tun
