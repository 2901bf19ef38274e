package netcfg

// The macOS route watch, as logic any machine can run. This file has no
// build tag so that its tests run on Linux; watch_darwin.go supplies the
// routing socket:
//
//	kernel ─▶ AF_ROUTE socket ─▶ read, route.ParseRIB ─▶ []darwinRouteMsg ─▶ match ─▶ onChange
//	          (watch_darwin.go)                             (this file)
//
// Stop closes done and then the socket, which ends the blocked read with
// an error; the goroutine sees done closed and ends, and Stop returns only
// after that, so onChange is never called once Stop has returned.
//
// macOS keeps one unscoped route per destination and mask and has no
// route metrics, so the Linux meanings (watch.go) become:
//
//   - RouteRemoved: an RTM_DELETE of the recorded route while its
//     interface still exists (a utun that closes takes its routes along;
//     that is the tunnel going down, not another program).
//   - RouteOverridden: an RTM_CHANGE that rewrote the recorded route to
//     go elsewhere (replaced in place), or an RTM_ADD of another route to
//     the same destination — possible only once the recorded one is gone,
//     and then that route is the one in use. ByMetric is always 0.
//
// Ignored: requests the kernel refused (it echoes them to every listener
// with rtm_errno set), interface-scoped routes (RTF_IFSCOPE: they serve
// only sockets bound to their interface, so they override nothing), and
// routes the kernel cloned itself (ARP and neighbour entries).
//
// NOTE: like the rest of the macOS layer, this is tested on Linux only,
// with messages built by hand; it has never seen a real Mac's routing
// socket.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"syscall"
)

// Message types and route flags, with the values of macOS's <net/route.h>;
// watch_darwin.go checks them against golang.org/x/sys/unix.
const (
	darwinRTMAdd    = 0x1
	darwinRTMDelete = 0x2
	darwinRTMChange = 0x3

	darwinRTFLLInfo    = 0x400
	darwinRTFBlackhole = 0x1000
	darwinRTFWasCloned = 0x20000
	darwinRTFIfScope   = 0x1000000
)

// darwinRouteMsg is one routing-socket message about a route, as the
// watch needs it; watch_darwin.go fills it from a route.RouteMessage.
type darwinRouteMsg struct {
	Type  int           // darwinRTMAdd, darwinRTMDelete, darwinRTMChange, ...
	Flags int           // rtm_flags
	Errno syscall.Errno // rtm_errno: non-zero for a refused request
	Index int           // rtm_index: the route's interface, 0 if unknown
	// Dst is RTAX_DST with the length of RTAX_NETMASK (a host route
	// when there is none).
	Dst netip.Prefix
	// Gateway is RTAX_GATEWAY when it is an IP address (no zone);
	// GatewayLink its interface index when it is a link address.
	Gateway     netip.Addr
	GatewayLink int
}

// darwinIfaces is what the watch needs to know of the interfaces.
type darwinIfaces interface {
	InterfaceIndex(name string) (int, error)
	InterfaceName(index int) (string, error)
}

// darwinRouteSource is the routing socket as the watch reads it.
type darwinRouteSource interface {
	// Read blocks until the kernel sends something and returns the
	// route messages in it, and an error for what it could not read.
	// After Close it returns an error.
	Read() ([]darwinRouteMsg, error)
	Close() error
}

// errDarwinRouteParse marks a read whose messages could not all be
// parsed.
var errDarwinRouteParse = errors.New("unparsable route message")

// darwinRTMErrnoOff is the offset of rtm_errno in macOS's rt_msghdr;
// watch_darwin.go checks it against golang.org/x/sys/unix.
const darwinRTMErrnoOff = 24

// splitDarwinRouteMsgs splits what one read of a routing socket returned
// into its messages, each of which starts with its length (rtm_msglen).
// What follows a message it cannot delimit is lost, with an error.
func splitDarwinRouteMsgs(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 4 {
			return out, fmt.Errorf("%w: %d bytes left over", errDarwinRouteParse, len(b))
		}
		l := int(binary.NativeEndian.Uint16(b))
		if l < 4 || l > len(b) {
			return out, fmt.Errorf("%w: length %d with %d bytes left", errDarwinRouteParse, l, len(b))
		}
		out = append(out, b[:l])
		b = b[l:]
	}
	return out, nil
}

// darwinRTMErrno is the rtm_errno of the message m: non-zero when m
// echoes a request the kernel refused. It is read here because
// golang.org/x/net/route's RouteMessage.Err reads the field after it
// (rtm_use) on macOS: golang/go#70593.
func darwinRTMErrno(m []byte) syscall.Errno {
	if len(m) < darwinRTMErrnoOff+4 {
		return 0
	}
	return syscall.Errno(binary.NativeEndian.Uint32(m[darwinRTMErrnoOff:]))
}

// darwinWatch is a running watch over a darwinRouteSource.
type darwinWatch struct {
	src      darwinRouteSource
	done     chan struct{}
	finished chan struct{}
	once     sync.Once
}

// startDarwinWatch matches what src reads against the routes a records,
// from one goroutine, until stop.
func startDarwinWatch(ifs darwinIfaces, src darwinRouteSource, a *Applied, onChange func(Change), logf Logf) *darwinWatch {
	m := newDarwinRouteMatcher(ifs, a)
	w := &darwinWatch{src: src, done: make(chan struct{}), finished: make(chan struct{})}
	go func() {
		defer close(w.finished)
		for {
			msgs, err := src.Read()
			if w.stopping() {
				return
			}
			for _, msg := range msgs {
				for _, c := range m.match(msg) {
					if w.stopping() {
						return
					}
					onChange(c)
				}
			}
			switch {
			case err == nil:
			case errors.Is(err, syscall.ENOBUFS) || errors.Is(err, errDarwinRouteParse):
				// The socket's buffer overflowed, or a read held a message
				// route cannot parse: some messages are lost, but the
				// socket still works.
				logf.printf("route watch: missed route messages: %v", err)
			default:
				logf.printf("route watch ended: %v", err)
				return
			}
		}
	}()
	return w
}

func (w *darwinWatch) stopping() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// stop ends the watch and waits until onChange can no longer be called.
func (w *darwinWatch) stop() {
	w.once.Do(func() {
		close(w.done)
		w.src.Close()
	})
	<-w.finished
}

// darwinRouteMatcher tells which messages concern the recorded routes.
type darwinRouteMatcher struct {
	ifs    darwinIfaces
	routes []darwinWatched
}

type darwinWatched struct {
	AppliedRoute
	index int // the device's interface index; 0 for an unreachable route
}

func newDarwinRouteMatcher(ifs darwinIfaces, a *Applied) *darwinRouteMatcher {
	m := &darwinRouteMatcher{ifs: ifs}
	for _, r := range a.Routes {
		w := darwinWatched{AppliedRoute: r}
		w.Dst = r.Dst.Masked()
		if !r.Unreachable {
			i, err := ifs.InterfaceIndex(r.Device)
			if err != nil {
				continue // the device is gone, and its routes with it
			}
			w.index = i
		}
		m.routes = append(m.routes, w)
	}
	return m
}

func (m *darwinRouteMatcher) match(msg darwinRouteMsg) []Change {
	if msg.Errno != 0 || msg.Flags&(darwinRTFIfScope|darwinRTFWasCloned|darwinRTFLLInfo) != 0 || !msg.Dst.IsValid() {
		return nil
	}
	var out []Change
	for _, r := range m.routes {
		if r.Dst != msg.Dst {
			continue
		}
		switch msg.Type {
		case darwinRTMDelete:
			if !r.contradicts(msg, false) && m.deviceExists(r) {
				out = append(out, Change{Kind: RouteRemoved, Route: r.AppliedRoute})
			}
		case darwinRTMAdd, darwinRTMChange:
			if r.contradicts(msg, true) { // ours again (restored) is no change
				out = append(out, Change{Kind: RouteOverridden, Route: r.AppliedRoute, ByDevice: m.deviceOf(msg)})
			}
		}
	}
	return out
}

// contradicts reports whether msg says something of its route that is
// not true of the recorded one. What msg leaves out contradicts nothing:
// the kernel's echo of another process's request carries what that
// process sent — rtm_index may be 0, and route(8) may delete by
// destination alone, which, with one unscoped route per destination, is
// the recorded route unless the message says otherwise. Flags count only
// when withFlags: an add or change sets RTF_REJECT for a blocking route,
// but a delete's flags are whatever the deleting program sent.
func (r *darwinWatched) contradicts(msg darwinRouteMsg, withFlags bool) bool {
	reject := msg.Flags&(darwinRTFReject|darwinRTFBlackhole) != 0
	if withFlags && reject != r.Unreachable {
		return true
	}
	gw := r.Gateway // invalid for an interface route
	if r.Unreachable {
		gw = darwinUnreachable(r.Route).Gateway
	}
	switch {
	case msg.Gateway.IsValid() && msg.Gateway != gw:
		return true
	case msg.GatewayLink != 0 && (gw.IsValid() || msg.GatewayLink != r.index):
		return true
	}
	// A blocking route's interface is the loopback, which is not recorded.
	return msg.Index != 0 && !r.Unreachable && msg.Index != r.index
}

func (m *darwinRouteMatcher) deviceExists(r darwinWatched) bool {
	if r.Unreachable {
		return true
	}
	_, err := m.ifs.InterfaceName(r.index)
	return err == nil
}

// deviceOf names the interface msg's route uses, or "" when the message
// does not say (a gateway without rtm_index) or the route has none.
func (m *darwinRouteMatcher) deviceOf(msg darwinRouteMsg) string {
	if msg.Flags&(darwinRTFReject|darwinRTFBlackhole) != 0 {
		return ""
	}
	i := msg.Index
	if i == 0 {
		i = msg.GatewayLink
	}
	if i == 0 {
		return ""
	}
	name, err := m.ifs.InterfaceName(i)
	if err != nil {
		return fmt.Sprintf("#%d", i)
	}
	return name
}

// darwinRestoreRoute is the routing-socket message that adds r again: the
// form planDarwinRevert removes, pinned to r.Device.
func darwinRestoreRoute(r AppliedRoute) darwinRoute {
	if r.Unreachable {
		return darwinUnreachable(r.Route)
	}
	r.Dst = r.Dst.Masked()
	return darwinPinned(r.Route, darwinPath{Iface: r.Device, Gateway: r.Gateway}, "").Route
}

// restoreDarwin adds a recorded route again through sys; a route that
// exists again already is not an error.
func restoreDarwin(sys darwinSystem, r AppliedRoute, logf Logf) error {
	if err := sys.AddRoute(darwinRestoreRoute(r)); err != nil {
		if errors.Is(err, syscall.EEXIST) {
			return nil
		}
		return fmt.Errorf("restore %s: %w", describe(r), err)
	}
	logf.printf("restored %s", describe(r))
	return nil
}
