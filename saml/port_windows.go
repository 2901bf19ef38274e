package saml

import (
	"errors"
	"syscall"
)

// Winsock's codes; syscall.EADDRINUSE is a different, invented number on
// Windows.
const (
	wsaEACCES     = syscall.Errno(10013)
	wsaEADDRINUSE = syscall.Errno(10048)
)

func addrInUse(err error) bindFailure {
	switch {
	case errors.Is(err, wsaEADDRINUSE):
		return inUse
	case errors.Is(err, wsaEACCES):
		// A port in an excluded range (Hyper-V, WSL, Docker's winnat
		// reservations) fails with "access forbidden", not "in use".
		return reserved
	}
	return otherFailure
}
