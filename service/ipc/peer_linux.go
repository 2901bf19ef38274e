package ipc

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// peerOf reads SO_PEERCRED: the credentials the peer had when it called
// connect(2), which it cannot change afterwards.
func peerOf(c net.Conn) (Peer, error) {
	rc, err := rawConn(c)
	if err != nil {
		return Peer{}, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", err)
	}
	if cerr != nil {
		return Peer{}, fmt.Errorf("peer credentials: SO_PEERCRED: %w", cerr)
	}
	return Peer{
		UID:   int(cred.Uid),
		PID:   int(cred.Pid),
		Admin: cred.Uid == 0,
	}, nil
}
