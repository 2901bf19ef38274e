//go:build !linux

package openvpn

import (
	"errors"
	"net/netip"
)

// watchAddr would watch for a to be removed from this machine (see
// localaddr_linux.go). There is no watch here: the link polls instead, as
// localaddr.go describes.
func watchAddr(netip.Addr, chan<- netip.Addr) (stop func(), err error) {
	return nil, errors.ErrUnsupported
}
