//go:build !linux && !darwin && !windows

package ipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
)

// DefaultAddr is where the service would listen; this OS is not supported.
const DefaultAddr = "/var/run/cvpn/cvpn.sock"

var errUnsupported = fmt.Errorf("ipc on %s: %w", runtime.GOOS, errors.ErrUnsupported)

// Listen is not supported on this OS.
func Listen(addr string) (net.Listener, error) { return nil, errUnsupported }

// Dial is not supported on this OS.
func Dial(ctx context.Context, addr string) (net.Conn, error) { return nil, errUnsupported }

func peerOf(net.Conn) (Peer, error) { return Peer{}, errUnsupported }
