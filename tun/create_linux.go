package tun

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/sys/unix"
	wgtun "golang.zx2c4.com/wireguard/tun"
)

const cloneDevice = "/dev/net/tun"

func checkName(name string) error { return checkLinuxName(name) }

// create opens the clone device and attaches it to name itself, then hands
// the file to wireguard-go. wireguard-go's own CreateTUN returns without
// closing its descriptor when the name is refused or busy, and the root
// service would lose one descriptor per bad request; here every failure
// closes what was opened.
func create(name string, mtu int) (Device, error) {
	fd, err := unix.Open(cloneDevice, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: cloneDevice, Err: err}
	}
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		unix.Close(fd)
		return nil, badName(name, err.Error(), linuxNameRule)
	}
	// The flags wireguard-go sets: IFF_VNET_HDR turns on its offloads.
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI | unix.IFF_VNET_HDR)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		unix.Close(fd)
		return nil, setIffError(name, err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("set %s non-blocking: %w", cloneDevice, err)
	}
	// Non-blocking before NewFile, so the file joins the runtime's poller.
	f := os.NewFile(uintptr(fd), cloneDevice)
	dev, err := wgtun.CreateTUNFromFile(f, mtu)
	if err != nil {
		// It does not close the file on its early errors either. (A failure
		// after it starts its listeners, in setting the MTU, is prevented
		// by checkMTU.)
		f.Close()
		return nil, err
	}
	return dev, nil
}

// setIffError names why TUNSETIFF refused name: EBUSY is a TUN device in
// use; EINVAL is an existing interface of another kind, or a name the
// kernel rejects.
func setIffError(name string, err error) error {
	switch {
	case errors.Is(err, unix.EBUSY):
		return fmt.Errorf("%w: %q is held by another tunnel or program; choose another name, or leave the device unset for a free cvpnN", ErrBusy, name)
	case errors.Is(err, unix.EINVAL):
		if !strings.Contains(name, "%") {
			if _, ierr := net.InterfaceByName(name); ierr == nil {
				return fmt.Errorf("%w: %q is an existing interface that is not a TUN device; choose another name, or leave the device unset for a free cvpnN", ErrBusy, name)
			}
		}
		return badName(name, "the kernel refused it ("+err.Error()+")", linuxNameRule)
	case errors.Is(err, unix.ENFILE):
		return fmt.Errorf("%w: every number for %q is taken; choose another name", ErrBusy, name)
	}
	return fmt.Errorf("attach %s to %q: %w", cloneDevice, name, err)
}
