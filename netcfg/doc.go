// Package netcfg applies a typed network configuration to the operating
// system and undoes exactly what it applied: the tunnel device's addresses
// and MTU, routes into the tunnel, the host routes that keep the VPN server
// outside it, net_gateway routes resolved against the path the system used
// before the tunnel, the local network sent into the tunnel (block-local),
// the routes (Linux) or WFP filters (Windows) that block traffic leaking
// around a full tunnel, and DNS. Applied is plain data, so the tunnel
// manager can persist it (DNS backups are checkpointed before the change)
// and undo a dead process's changes on the next start. While connected,
// each OS layer watches for other programs removing or overriding the
// tunnel's routes or DNS, and can put them back (RestoreRoute, RestoreDNS).
//
// It knows nothing about OpenVPN. Per-OS files are named by what they do:
//
//	Linux:   routes_linux.go, routes_outside_linux.go, blocklocal_linux.go,
//	         dns_resolved_linux.go (systemd-resolved over D-Bus),
//	         dns_resolvconf8_linux.go (resolvconf(8)),
//	         dns_resolvconf_linux.go (resolv.conf), watch_linux.go (netlink)
//	macOS:   darwin_plan.go + routes_darwin.go (AF_ROUTE, ifconfig),
//	         darwin_dns.go (scutil), darwin_watch.go + watch_darwin.go
//	Windows: windows_plan.go + routes_windows.go (IP Helper, NRPT),
//	         windows_local.go + ifaces_windows.go (bypass-dhcp, block-local),
//	         wfp_plan.go + wfp_windows.go (WFP),
//	         windows_watch.go + watch_windows.go (NotifyRouteChange2)
//	all:     watch.go, watch_dns.go (the DNS poll and its per-OS probes)
//
// Each OS layer reaches the system through a small interface that tests
// replace with a recorder, so the calls a configuration makes are compared
// with golden files in testdata/<os>/ — on Linux, for every OS. The Linux
// layer is also tested end to end (e2e/), against real namespaces, a real
// systemd-resolved and a real openvpn server. The macOS and Windows layers
// are tested only through recorders so far: they have never run on a real
// machine of their kind.
package netcfg
