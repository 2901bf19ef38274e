// Package netcfg applies a typed network configuration to the operating
// system and undoes exactly what it applied: the tunnel device's addresses
// and MTU, routes into the tunnel, the host routes that keep the VPN server
// outside it, net_gateway routes resolved against the path the system used
// before the tunnel, the routes that block IPv6 around an IPv4-only full
// tunnel, and DNS. Applied is plain data, so the tunnel manager can persist
// it (DNS backups are checkpointed before the change) and undo a dead
// process's changes on the next start. While connected, the Linux layer
// watches for other programs removing or overriding the tunnel's routes.
//
// It knows nothing about OpenVPN. Per-OS files are named by what they do:
//
//	routes_linux.go, dns_resolvconf_linux.go, dns_resolved_linux.go, watch_linux.go
//	darwin_plan.go + routes_darwin.go   (AF_ROUTE, ifconfig, scutil)
//	windows_plan.go + routes_windows.go (IP Helper, NRPT)
//
// Each OS layer reaches the system through a small interface that tests
// replace with a recorder, so the calls a configuration makes are compared
// with golden files in testdata/<os>/ — on Linux, for every OS. The macOS
// and Windows layers are tested only that way so far: they have never run
// on a real machine of their kind.
package netcfg
