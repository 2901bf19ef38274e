package ipc

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerOf reads LOCAL_PEERCRED for the uid and LOCAL_PEERPID for the pid:
// both are recorded when the peer connects.
func peerOf(c net.Conn) (Peer, error) {
	rc, err := rawConn(c)
	if err != nil {
		return Peer{}, err
	}
	var (
		cred       *unix.Xucred
		pid        int
		cerr, perr error
	)
	if err := rc.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
		pid, perr = unix.GetsockoptInt(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERPID)
	}); err != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", err)
	}
	if cerr != nil {
		return Peer{}, fmt.Errorf("peer credentials: LOCAL_PEERCRED: %w", cerr)
	}
	// XUCRED_VERSION is 0 and x/sys does not export it.
	if cred.Version != 0 {
		return Peer{}, fmt.Errorf("peer credentials: unknown xucred version %d", cred.Version)
	}
	if perr != nil {
		pid = 0 // the uid is what matters; the pid is informational
	}
	return Peer{
		UID:   int(cred.Uid),
		PID:   pid,
		Admin: cred.Uid == 0,
	}, nil
}
