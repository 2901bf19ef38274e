package svcrun

import (
	"errors"
	"fmt"
	"net"
	"os"
)

// Ready tells systemd that the service is up, for a Type=notify unit: call
// it once the daemon listens. Without $NOTIFY_SOCKET (not started by
// systemd, or not Type=notify) it does nothing.
func Ready() error {
	if err := notify("READY=1"); err != nil {
		return fmt.Errorf("sd_notify ready: %w", err)
	}
	return nil
}

// stopping tells systemd that the service is shutting down, so the stop is
// shown as one rather than as a crash in progress. Best effort.
func stopping() { _ = notify("STOPPING=1") }

// notify sends one sd_notify(3) datagram to $NOTIFY_SOCKET.
func notify(state string) error {
	addr := os.Getenv("NOTIFY_SOCKET")
	switch {
	case addr == "":
		return nil
	case addr[0] == '@':
		// An abstract socket. The net package maps a leading '@' to the
		// leading NUL byte of the kernel's abstract namespace itself.
	case addr[0] == '/':
	default:
		// systemd 254+ may pass vsock: addresses to VMs; a desktop
		// service never runs there.
		return fmt.Errorf("unsupported NOTIFY_SOCKET %q", addr)
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer c.Close()
	n, err := c.Write([]byte(state))
	if err != nil {
		return err
	}
	if n != len(state) {
		return errors.New("short write")
	}
	return nil
}
