package netcfg

// The macOS executor of the plans in darwin_plan.go: routes through an
// AF_ROUTE socket (golang.org/x/net/route messages), addresses and MTU
// through /sbin/ifconfig, DNS through /usr/sbin/scutil.
//
// NOTE: this file compiles for darwin and is vetted in CI, but it has never
// run on a real Mac; only the plans it executes are tested (on Linux,
// against golden files).

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/net/route"
	"golang.org/x/sys/unix"
)

// The plan's flag constants are macOS's.
var _ = [1]struct{}{}[darwinRTFUp^unix.RTF_UP|darwinRTFGateway^unix.RTF_GATEWAY|darwinRTFHost^unix.RTF_HOST|
	darwinRTFReject^unix.RTF_REJECT|darwinRTFStatic^unix.RTF_STATIC]

// Apply configures the device, routes and DNS described by cfg. It either
// applies all of cfg or, on failure, undoes what it did and returns the
// error. Untested on a real Mac.
func Apply(cfg Config, logf Logf) (*Applied, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	view, err := newDarwinView(cfg, currentDarwinPath, interfaceAddrs4)
	if err != nil {
		return nil, fmt.Errorf("apply network config: %w", err)
	}
	return applyDarwin(darwinOS{}, cfg, view, logf)
}

// interfaceAddrs4 lists the IPv4 addresses of iface with their prefix
// lengths (getifaddrs).
func interfaceAddrs4(iface string) ([]netip.Prefix, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, err
	}
	as, err := ifi.Addrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, a := range as {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(n.IP)
		ones, bits := n.Mask.Size()
		if !ok || !ip.Unmap().Is4() || bits == 0 {
			continue
		}
		if bits == 128 {
			ones -= 96 // a v4-in-v6 mask
		}
		out = append(out, netip.PrefixFrom(ip.Unmap(), ones))
	}
	return out, nil
}

// Revert removes what Apply recorded, newest first. Things already gone —
// everything on a utun that closed with its process — are not errors.
func Revert(a *Applied, logf Logf) error { return revertDarwin(darwinOS{}, a, logf) }

// darwinOS is the real darwinSystem.
type darwinOS struct{}

func (darwinOS) Run(argv []string, stdin string) ([]byte, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	return cmd.CombinedOutput()
}

func (darwinOS) AddRoute(r darwinRoute) error    { return routeRequest(unix.RTM_ADD, r) }
func (darwinOS) DeleteRoute(r darwinRoute) error { return routeRequest(unix.RTM_DELETE, r) }

var routeSeq atomic.Int32

// routeRequest sends one message to the kernel and returns its errno:
// the kernel refuses an RTM_ADD or RTM_DELETE by failing the write.
func routeRequest(typ int, r darwinRoute) error {
	m, err := routeMessage(typ, r)
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_ROUTE, unix.SOCK_RAW, unix.AF_UNSPEC)
	if err != nil {
		return fmt.Errorf("open routing socket: %w", err)
	}
	defer unix.Close(fd)
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	_, err = unix.Write(fd, b)
	return err
}

func routeMessage(typ int, r darwinRoute) (*route.RouteMessage, error) {
	addrs := make([]route.Addr, unix.RTAX_NETMASK+1)
	addrs[unix.RTAX_DST] = sockaddr(r.Dst.Addr(), 0)
	switch {
	case r.Gateway.IsValid():
		zone := 0
		if r.Iface != "" {
			ifi, err := net.InterfaceByName(r.Iface)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", syscall.ENXIO, err)
			}
			zone = ifi.Index
		}
		addrs[unix.RTAX_GATEWAY] = sockaddr(r.Gateway, zone)
	case r.Iface != "":
		ifi, err := net.InterfaceByName(r.Iface)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", syscall.ENXIO, err) // the interface is gone
		}
		addrs[unix.RTAX_GATEWAY] = &route.LinkAddr{Index: ifi.Index, Name: ifi.Name}
	}
	if r.Flags&unix.RTF_HOST == 0 {
		bits := r.Dst.Bits()
		if r.Dst.Addr().Is4() {
			var m [4]byte
			copy(m[:], net.CIDRMask(bits, 32))
			addrs[unix.RTAX_NETMASK] = &route.Inet4Addr{IP: m}
		} else {
			var m [16]byte
			copy(m[:], net.CIDRMask(bits, 128))
			addrs[unix.RTAX_NETMASK] = &route.Inet6Addr{IP: m}
		}
	}
	return &route.RouteMessage{Version: unix.RTM_VERSION, Type: typ, Flags: r.Flags,
		ID: uintptr(os.Getpid()), Seq: int(routeSeq.Add(1)), Addrs: addrs}, nil
}

// sockaddr is a in the routing socket's form. A scoped IPv6 address
// carries its interface both in sin6_scope_id and, as route(8) does on
// macOS (KAME), embedded in the second 16-bit word of the address.
func sockaddr(a netip.Addr, zone int) route.Addr {
	if a.Is4() {
		return &route.Inet4Addr{IP: a.As4()}
	}
	ip := a.As16()
	if zone != 0 && (a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()) {
		ip[2], ip[3] = byte(zone>>8), byte(zone)
		return &route.Inet6Addr{IP: ip, ZoneID: zone}
	}
	return &route.Inet6Addr{IP: ip}
}

// currentDarwinPath asks the kernel (RTM_GET) how it reaches dst now.
func currentDarwinPath(dst netip.Addr) darwinPath {
	p, err := routeGet(dst)
	if err != nil {
		return darwinPath{Err: err}
	}
	return p
}

func routeGet(dst netip.Addr) (darwinPath, error) {
	fd, err := unix.Socket(unix.AF_ROUTE, unix.SOCK_RAW, unix.AF_UNSPEC)
	if err != nil {
		return darwinPath{}, fmt.Errorf("open routing socket: %w", err)
	}
	defer unix.Close(fd)
	addrs := make([]route.Addr, unix.RTAX_IFP+1)
	addrs[unix.RTAX_DST] = sockaddr(dst, 0)
	addrs[unix.RTAX_IFP] = &route.LinkAddr{} // ask for the interface
	seq := int(routeSeq.Add(1))
	m := &route.RouteMessage{Version: unix.RTM_VERSION, Type: unix.RTM_GET, Flags: unix.RTF_UP | unix.RTF_HOST,
		ID: uintptr(os.Getpid()), Seq: seq, Addrs: addrs}
	b, err := m.Marshal()
	if err != nil {
		return darwinPath{}, err
	}
	if _, err := unix.Write(fd, b); err != nil {
		if errors.Is(err, unix.ESRCH) {
			err = unix.ENETUNREACH // the kernel's way of saying "no route"
		}
		return darwinPath{}, err
	}
	buf := make([]byte, 2048)
	for {
		n, err := unix.Read(fd, buf)
		if err != nil {
			return darwinPath{}, fmt.Errorf("read routing socket: %w", err)
		}
		raws, _ := splitDarwinRouteMsgs(buf[:n])
		for _, raw := range raws {
			msgs, err := route.ParseRIB(route.RIBTypeRoute, raw)
			if err != nil || len(msgs) != 1 {
				continue // not a route message, so not the reply
			}
			rm, ok := msgs[0].(*route.RouteMessage)
			if !ok || rm.Type != unix.RTM_GET || rm.Seq != seq || rm.ID != uintptr(os.Getpid()) {
				continue // another process's message on the socket
			}
			// Not rm.Err, which is rtm_use on macOS (golang/go#70593).
			if errno := darwinRTMErrno(raw); errno != 0 {
				return darwinPath{}, errno
			}
			return pathOf(rm)
		}
	}
}

func pathOf(rm *route.RouteMessage) (darwinPath, error) {
	var p darwinPath
	ifi, err := net.InterfaceByIndex(rm.Index)
	if err != nil {
		return p, fmt.Errorf("interface %d of route: %w", rm.Index, err)
	}
	p.Iface = ifi.Name
	p.Local = ifi.Flags&net.FlagLoopback != 0 || rm.Flags&unix.RTF_LOCAL != 0
	if rm.Flags&unix.RTF_GATEWAY != 0 && len(rm.Addrs) > unix.RTAX_GATEWAY {
		switch g := rm.Addrs[unix.RTAX_GATEWAY].(type) {
		case *route.Inet4Addr:
			p.Gateway = netip.AddrFrom4(g.IP)
		case *route.Inet6Addr:
			p.Gateway = netip.AddrFrom16(g.IP) // route strips the embedded scope
		}
	}
	if p.Iface == "" {
		return p, errors.New("route has no interface")
	}
	return p, nil
}
