package tun

import (
	"errors"
	"fmt"
	"os"

	wgtun "golang.zx2c4.com/wireguard/tun"
)

// Device is a TUN device that reads and writes IP packets in batches. It is
// wireguard-go's device, which on Linux uses the kernel's segmentation and
// receive offloads so one read can return a whole TCP burst.
type Device = wgtun.Device

// Sentinel errors callers turn into advice for the user.
var (
	// ErrNoDriver means the operating system offers no TUN driver here.
	ErrNoDriver = errors.New("no TUN driver")
	// ErrPermission means creating the device needs privileges we lack.
	ErrPermission = errors.New("not permitted to create a TUN device")
)

// Create opens a new TUN device. name may be empty for a default, or hold a
// pattern such as "cvpn%d" where the OS allows it. mtu is the initial MTU;
// the tunnel's configuration may change it later.
//
// A name or MTU this OS cannot take fails with ErrBadName or ErrBadMTU, and
// a name another device holds with ErrBusy, before or without keeping
// anything open: these are the caller's to fix.
func Create(name string, mtu int) (Device, error) {
	if name == "" {
		name = defaultName
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := checkMTU(mtu); err != nil {
		return nil, err
	}
	dev, err := create(name, mtu)
	if err != nil {
		if errors.Is(err, ErrBadName) || errors.Is(err, ErrBusy) {
			return nil, err
		}
		return nil, classifyCreateError(name, err)
	}
	return dev, nil
}

func classifyCreateError(name string, err error) error {
	switch {
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("create tun device %q: %w: run cvpn as root or through the cvpn service (%v)", name, ErrPermission, err)
	case errors.Is(err, os.ErrNotExist) || isNoDriver(err):
		return fmt.Errorf("create tun device %q: %w: %s (%v)", name, ErrNoDriver, noDriverAdvice, err)
	}
	return fmt.Errorf("create tun device %q: %w", name, err)
}
