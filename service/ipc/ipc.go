// Package ipc is the transport under the service's local API: a unix socket
// on Linux and macOS, a named pipe on Windows, and the identity of the
// process on the other end as the kernel reports it.
//
// The endpoint is open to every local user on purpose; access is decided per
// connection from PeerOf, by the layer above. A connection whose peer cannot
// be determined must be refused, never treated as anonymous.
package ipc

import (
	"errors"
	"net"
)

// ErrNotRunning is wrapped by Dial's error when nothing listens at the
// address: the service is not installed, not started, or has stopped.
var ErrNotRunning = errors.New("the cvpn service is not running")

// ErrAlreadyRunning is wrapped by Listen's error when another live service
// already owns the address.
var ErrAlreadyRunning = errors.New("another cvpn service is already running")

// ErrImpostor is wrapped by Dial's error when the process that answers at
// the address is not the service: not root (unix) or a pipe not created by
// LocalSystem or Administrators (Windows), nor the caller's own user. The
// connection is closed before anything is written, because what a client
// sends the service includes passwords.
var ErrImpostor = errors.New("something else is pretending to be the cvpn service")

// ErrUnsafeDir is wrapped by Listen's error when the socket's directory is
// a link, or another user owns or may write it.
var ErrUnsafeDir = errors.New("unsafe socket directory")

// Peer is the process on the other end of a connection, as the kernel
// reports it.
type Peer struct {
	UID   int    // unix uid; -1 on Windows
	PID   int    // 0 if unknown
	SID   string // Windows user SID; "" on unix
	Admin bool   // uid 0 on unix; LocalSystem or an elevated Administrators member on Windows
}

// PeerOf returns the peer of a connection accepted from a Listener of this
// package (or a *net.UnixConn). Wrappers that expose the underlying
// connection with a NetConn method (like *tls.Conn) are unwrapped. It errors
// when the peer is unknown; callers must refuse the connection then.
func PeerOf(c net.Conn) (Peer, error) {
	for {
		w, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = w.NetConn()
	}
	if c == nil {
		return Peer{}, errors.New("peer credentials: nil connection")
	}
	return peerOf(c)
}
