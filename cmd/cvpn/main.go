// Command cvpn is cvpn's command line: it manages VPN profiles, connects,
// disconnects and reports status through the cvpn service (or on its own
// with connect --foreground), and is the service itself (cvpn service).
//
// main only wires the process to run; every command lives in its own file
// and is reached through the table in app.go, so new command groups slot in
// by adding a file and a table entry.

// The runtime would otherwise re-read the CPU affinity and cgroup limits
// once a second to adjust GOMAXPROCS: a wake-up a second for an idle
// tunnel, for limits a desktop VPN client never sees change.
//
//go:debug updatemaxprocs=0
package main

import "os"

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	a := &app{stdout: os.Stdout, stderr: os.Stderr, store: storeFromEnv}
	os.Exit(a.run(os.Args[1:]))
}
