package openvpn

import (
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// watchAddr starts watching for a to be removed from this machine, with a
// NETLINK_ROUTE socket in the multicast group of a's family: the kernel
// wakes the watch only when an address of that family is added or
// removed. A removal of a (RTM_DELADDR) is confirmed with addrAssigned,
// since a may be assigned to another interface as well; only then is a
// sent on gone, and the watch ends. The watch also looks right after it
// subscribed and whenever the kernel dropped notifications (ENOBUFS). If
// the socket fails otherwise, the zero Addr is sent: poll instead. gone
// must have room for one value. stop closes the socket and waits for the
// watch's goroutine; call it once.
func watchAddr(a netip.Addr, gone chan<- netip.Addr) (stop func(), err error) {
	group := uint32(unix.RTMGRP_IPV4_IFADDR)
	if a.Is6() {
		group = unix.RTMGRP_IPV6_IFADDR
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: group}); err != nil {
		_ = unix.Close(fd)
		return nil, os.NewSyscallError("bind", err)
	}
	f := os.NewFile(uintptr(fd), "netlink") // non-blocking: Close wakes a pending read
	rc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		if err := awaitRemoval(rc, a); err != nil {
			select {
			case <-quit:
				return // the read failed because stop closed the socket
			default:
			}
			a = netip.Addr{} // the watch failed: poll instead
		}
		select {
		case gone <- a:
		default:
		}
	}()
	return func() {
		close(quit)
		_ = f.Close()
		<-done
	}, nil
}

// awaitRemoval reads address notifications from rc until a is no longer
// assigned (nil) or reading fails, as it does once the socket is closed.
func awaitRemoval(rc syscall.RawConn, a netip.Addr) error {
	buf := make([]byte, 8192) // netlink's advice, to never truncate a message
	check := true
	for {
		if check {
			if ok, err := addrAssigned(a); err == nil && !ok {
				return nil
			}
		}
		var (
			n    int
			from unix.Sockaddr
			rerr error
		)
		err := rc.Read(func(fd uintptr) bool {
			n, from, rerr = unix.Recvfrom(int(fd), buf, 0)
			return rerr != unix.EAGAIN
		})
		check = false
		switch {
		case err != nil:
			return err
		case rerr == unix.ENOBUFS:
			check = true // notifications were dropped: look
		case rerr == unix.EINTR:
		case rerr != nil:
			return os.NewSyscallError("recvfrom", rerr)
		default:
			if sa, ok := from.(*unix.SockaddrNetlink); ok && sa.Pid == 0 { // from the kernel
				check = mayRemove(buf[:n], a)
			}
		}
	}
}

// mayRemove reports whether the netlink messages in b may remove a: an
// RTM_DELADDR whose local address (IFA_LOCAL) or address (IFA_ADDRESS,
// IPv6's local one, IPv4's peer on point-to-point links) is a, or
// messages that do not parse. The caller confirms with addrAssigned.
func mayRemove(b []byte, a netip.Addr) bool {
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return true
	}
	for i := range msgs {
		if msgs[i].Header.Type != unix.RTM_DELADDR {
			continue
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(&msgs[i])
		if err != nil {
			return true
		}
		for _, at := range attrs {
			if at.Attr.Type != unix.IFA_LOCAL && at.Attr.Type != unix.IFA_ADDRESS {
				continue
			}
			if b, ok := netip.AddrFromSlice(at.Value); ok && b.Unmap() == a {
				return true
			}
		}
	}
	return false
}
