//go:build linux || darwin

package ipc

import (
	"fmt"
	"net"
	"os"
)

// checkServer verifies, before the client writes a byte, that the process
// listening at addr is root. The kernel records the listener's credentials
// when it calls listen(2) and gives them to every connecting socket
// (SO_PEERCRED on Linux, LOCAL_PEERCRED on macOS), so a process of another
// user cannot pass itself off as root.
//
// A listener of the caller's own uid is accepted too: it can already read
// everything the caller has (its memory, its keyring), so refusing it would
// protect nothing, and it is what tests and a developer's own service run
// as. Only someone else's process is an impostor.
func checkServer(c net.Conn, addr string) error {
	p, err := peerOf(c)
	if err != nil {
		return fmt.Errorf("%w: cannot tell who listens at %s (%v), so nothing was sent to it", ErrImpostor, addr, err)
	}
	if serverTrusted(p.UID, os.Geteuid()) {
		return nil
	}
	return fmt.Errorf("%w: the socket at %s is served by uid %d (pid %d), not root, so nothing was sent to it; "+
		"stop that process and remove the socket, then start the cvpn service (or unset CVPN_SOCKET if it points there)",
		ErrImpostor, addr, p.UID, p.PID)
}

// serverTrusted is the rule of checkServer: root, or the caller itself.
func serverTrusted(uid, self int) bool { return uid == 0 || uid == self }
