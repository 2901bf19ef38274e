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
// the descriptor to wireguard-go. wireguard-go's own CreateTUN returns
// without closing its descriptor when the name is refused or busy, and the
// root service would lose one descriptor per bad request; here every
// failure closes what was opened.
//
// The device is "unmonitored": wireguard-go's CreateTUNFromFile also starts
// two listeners for link events, one of which writes to the device once a
// second to learn whether it is up. cvpn never reads those events (the
// engine configures the link itself), and that probe, with the goroutine
// hand-offs it causes, was the largest source of wake-ups of an idle
// tunnel. So the MTU, which CreateTUNFromFile would set, is set here.
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
	// Non-blocking before wireguard-go wraps it in a file, so the file
	// joins the runtime's poller.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("set %s non-blocking: %w", cloneDevice, err)
	}
	dev, got, err := wgtun.CreateUnmonitoredTUNFromFD(fd)
	if err != nil {
		// The descriptor is inside an os.File it dropped (its flags could
		// not be read back, which a device just attached does not do);
		// that file's finalizer closes it. Closing fd here as well could
		// close a descriptor reused by then.
		return nil, fmt.Errorf("set up %s for %q: %w", cloneDevice, name, err)
	}
	if err := setMTU(got, mtu); err != nil {
		dev.Close()
		return nil, err
	}
	return dev, nil
}

// setMTU sets the interface's MTU with the same ioctl wireguard-go uses.
func setMTU(name string, mtu int) error {
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("set mtu of %s: %w", name, err)
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return fmt.Errorf("set mtu of %s: %w", name, err)
	}
	ifr.SetUint32(uint32(mtu))
	if err := unix.IoctlIfreq(s, unix.SIOCSIFMTU, ifr); err != nil {
		return fmt.Errorf("set mtu of %s to %d: %w", name, mtu, err)
	}
	return nil
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
