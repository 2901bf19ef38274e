//go:build darwin

package netcfg

// The macOS route watch's routing socket; darwin_watch.go has the
// matching and the goroutine, tested on Linux.
//
// NOTE: this file compiles for darwin and is vetted, but it has never run
// on a real Mac.

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"unsafe"

	"golang.org/x/net/route"
	"golang.org/x/sys/unix"
)

// The watch's constants are macOS's.
var _ = [1]struct{}{}[darwinRTMAdd^unix.RTM_ADD|darwinRTMDelete^unix.RTM_DELETE|darwinRTMChange^unix.RTM_CHANGE|
	darwinRTFLLInfo^unix.RTF_LLINFO|darwinRTFBlackhole^unix.RTF_BLACKHOLE|darwinRTFWasCloned^unix.RTF_WASCLONED|
	darwinRTFIfScope^unix.RTF_IFSCOPE|darwinRTMErrnoOff^unsafe.Offsetof(unix.RtMsghdr{}.Errno)]

// RouteWatch is a running route watch.
type RouteWatch struct{ w *darwinWatch }

// WatchRoutes watches the routes a records until Stop, through a routing
// socket that exists when it returns, so any later change is seen.
// onChange is called from a single goroutine, one Change at a time.
// Routes whose device is already gone are not watched. Untested on a
// real Mac.
func WatchRoutes(a *Applied, onChange func(Change), logf Logf) (*RouteWatch, error) {
	src, err := openRouteSocket()
	if err != nil {
		return nil, fmt.Errorf("watch routes: %w", err)
	}
	return &RouteWatch{w: startDarwinWatch(darwinOS{}, src, a, onChange, logf)}, nil
}

// Stop ends the watch, closing its socket, and waits until onChange can
// no longer be called. It is safe on a nil watch and more than once.
func (w *RouteWatch) Stop() {
	if w == nil || w.w == nil {
		return
	}
	w.w.stop()
}

// RestoreRoute adds a recorded route again after another program removed
// it. It records nothing: the route is already in the Applied that
// Revert will undo. A route that exists again already is not an error.
func RestoreRoute(r AppliedRoute, logf Logf) error { return restoreDarwin(darwinOS{}, r, logf) }

func (darwinOS) InterfaceIndex(name string) (int, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return 0, err
	}
	return ifi.Index, nil
}

func (darwinOS) InterfaceName(index int) (string, error) {
	ifi, err := net.InterfaceByIndex(index)
	if err != nil {
		return "", err
	}
	return ifi.Name, nil
}

// routeSocket reads the kernel's route messages. The socket is
// non-blocking and wrapped in an os.File so that reads wait in the
// runtime's poller and Close wakes them.
type routeSocket struct {
	f   *os.File
	buf []byte
}

func openRouteSocket() (*routeSocket, error) {
	fd, err := unix.Socket(unix.AF_ROUTE, unix.SOCK_RAW, unix.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("open routing socket: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("routing socket: %w", err)
	}
	return &routeSocket{f: os.NewFile(uintptr(fd), "route"), buf: make([]byte, 16<<10)}, nil
}

func (s *routeSocket) Close() error { return s.f.Close() }

// Read returns the route messages of one read, which carries whole
// messages; one that does not parse is left out and named in the error.
func (s *routeSocket) Read() ([]darwinRouteMsg, error) {
	n, err := s.f.Read(s.buf)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // ENOBUFS unwrapped for the watch
		}
		return nil, err
	}
	return parseDarwinRouteMsgs(s.buf[:n])
}

// parseDarwinRouteMsgs is what the matcher needs of the route messages in
// one read; an error says some could not be parsed.
func parseDarwinRouteMsgs(b []byte) ([]darwinRouteMsg, error) {
	raws, err := splitDarwinRouteMsgs(b)
	var out []darwinRouteMsg
	for _, raw := range raws {
		msgs, perr := route.ParseRIB(route.RIBTypeRoute, raw)
		if perr != nil {
			err = errors.Join(err, fmt.Errorf("%w: %v", errDarwinRouteParse, perr))
			continue
		}
		for _, m := range msgs {
			if rm, ok := m.(*route.RouteMessage); ok {
				msg := darwinMsgOf(rm)
				msg.Errno = darwinRTMErrno(raw)
				out = append(out, msg)
			}
		}
	}
	return out, err
}

// darwinMsgOf is rm as the matcher sees it, but for Errno: rm.Err is
// not rtm_errno (see darwinRTMErrno).
func darwinMsgOf(rm *route.RouteMessage) darwinRouteMsg {
	msg := darwinRouteMsg{Type: rm.Type, Flags: rm.Flags, Index: rm.Index}
	at := func(i int) route.Addr {
		if i < len(rm.Addrs) {
			return rm.Addrs[i]
		}
		return nil
	}
	dst, ok := routeAddr(at(unix.RTAX_DST))
	if !ok {
		return msg
	}
	bits := dst.BitLen()
	if rm.Flags&unix.RTF_HOST == 0 {
		if mask, ok := routeAddr(at(unix.RTAX_NETMASK)); ok && mask.Is4() == dst.Is4() {
			ones, size := net.IPMask(mask.AsSlice()).Size()
			if size == 0 {
				return msg // not a contiguous mask
			}
			bits = ones
		}
	}
	msg.Dst = netip.PrefixFrom(dst, bits).Masked()
	switch g := at(unix.RTAX_GATEWAY).(type) {
	case *route.LinkAddr:
		msg.GatewayLink = g.Index
	default:
		msg.Gateway, _ = routeAddr(g)
	}
	return msg
}

// routeAddr is a as an address without zone: route has already moved an
// embedded scope out of a link-local address.
func routeAddr(a route.Addr) (netip.Addr, bool) {
	switch a := a.(type) {
	case *route.Inet4Addr:
		return netip.AddrFrom4(a.IP), true
	case *route.Inet6Addr:
		return netip.AddrFrom16(a.IP), true
	}
	return netip.Addr{}, false
}
