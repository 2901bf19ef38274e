// Package service owns the privileged daemon: the tunnel manager, the local
// HTTP+JSON API over a unix socket or named pipe, the peer-credential checks
// and the one-user guard. Only its own client package talks to it.
package service
