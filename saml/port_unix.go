//go:build !windows

package saml

import (
	"errors"
	"syscall"
)

func addrInUse(err error) bindFailure {
	if errors.Is(err, syscall.EADDRINUSE) {
		return inUse
	}
	return otherFailure
}
