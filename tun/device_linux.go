package tun

import (
	"errors"
	"strings"
	"syscall"
)

const defaultName = "cvpn%d"

const noDriverAdvice = "/dev/net/tun is missing; load the driver with 'modprobe tun', or in a container pass --device /dev/net/tun"

func isNoDriver(err error) bool {
	return errors.Is(err, syscall.ENODEV) || strings.Contains(err.Error(), "/dev/net/tun does not exist")
}
