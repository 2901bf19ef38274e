package saml

import (
	"fmt"
	"strconv"
)

// PortInUseError says the sign-in port is taken, and by whom when that
// could be learned. Error gives cause and fix in one line.
type PortInUseError struct {
	Port int
	// Program and PID name the holder; empty and 0 when unknown (another
	// user's process, or not Linux).
	Program string
	PID     int
	// UID owns the listening socket; -1 when unknown.
	UID int
	// Reserved: the OS keeps the port for itself (Windows' excluded port
	// ranges), rather than another program holding it.
	Reserved bool
	// Err is the bind error.
	Err error
}

func (e *PortInUseError) Error() string {
	if e.Reserved {
		return fmt.Sprintf("port %d on 127.0.0.1 is reserved by Windows (see: netsh interface ipv4 show excludedportrange protocol=tcp): the identity provider posts to this port, so free it (for example restart the winnat service) and try again", e.Port)
	}
	return fmt.Sprintf("port %d on 127.0.0.1 is in use by %s: the AWS VPN Client or another sign-in is running; close it and try again", e.Port, e.holder())
}

func (e *PortInUseError) holder() string {
	switch {
	case e.Program != "" && e.PID > 0:
		return strconv.Quote(e.Program) + " (pid " + strconv.Itoa(e.PID) + ")"
	case e.PID > 0:
		return "pid " + strconv.Itoa(e.PID)
	case e.UID >= 0:
		return "another program (of uid " + strconv.Itoa(e.UID) + ")"
	}
	return "another program"
}

// Unwrap lets errors.Is find ErrPortInUse and the bind error.
func (e *PortInUseError) Unwrap() []error { return []error{ErrPortInUse, e.Err} }

// bindError turns a failed bind into an error a user can act on.
func bindError(port int, err error) error {
	switch addrInUse(err) {
	case inUse:
		e := &PortInUseError{Port: port, UID: -1, Err: err}
		if h, ok := portHolder(port); ok {
			e.Program, e.PID, e.UID = h.program, h.pid, h.uid
		}
		return e
	case reserved:
		return &PortInUseError{Port: port, UID: -1, Reserved: true, Err: err}
	}
	return fmt.Errorf("listen for the sign-in response on 127.0.0.1:%d: %w", port, err)
}

type bindFailure uint8

const (
	otherFailure bindFailure = iota
	inUse
	reserved
)

// holder is the process found listening on a port.
type holder struct {
	program string
	pid     int
	uid     int
}
