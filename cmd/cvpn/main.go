// Command cvpn is cvpn's command line: it manages VPN profiles today, and
// will connect, disconnect and report status through the cvpn service.
//
// main only wires the process to run; every command lives in its own file
// and is reached through the table in app.go, so new command groups
// (connect, disconnect, status, logs, service) slot in by adding a file and
// a table entry.
package main

import "os"

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	a := &app{stdout: os.Stdout, stderr: os.Stderr, store: storeFromEnv}
	os.Exit(a.run(os.Args[1:]))
}
