package netcfg

// systemd-resolved: when it runs, DNS is set per link over D-Bus
// (org.freedesktop.resolve1(5)) instead of in resolv.conf. Everything it
// holds for the tunnel's link goes away with the link, so unlike the
// resolv.conf fallback there is no original to keep: Revert calls
// RevertLink, and after a crash the dead TUN device took its DNS along.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	modeResolved   = "resolved"
	resolvedName   = "org.freedesktop.resolve1"
	resolvedPath   = dbus.ObjectPath("/org/freedesktop/resolve1")
	resolvedIface  = "org.freedesktop.resolve1.Manager."
	resolvedTimout = 5 * time.Second
)

// resolvedAddr, resolvedAddrEx and resolvedDomain are the D-Bus structs
// (iay), (iayqs) and (sb).
type resolvedAddr struct {
	Family  int32
	Address []byte
}

// resolvedAddrEx adds a port (0: the default, 53 or 853 for DNS over TLS)
// and the name a DNS-over-TLS server's certificate must carry.
type resolvedAddrEx struct {
	Family  int32
	Address []byte
	Port    uint16
	Name    string
}

type resolvedDomain struct {
	Domain      string
	RoutingOnly bool
}

// resolvedOps are the calls made to resolved; tests record them.
type resolvedOps interface {
	SetLinkDNS(ifindex int32, addrs []resolvedAddr) error
	SetLinkDNSEx(ifindex int32, addrs []resolvedAddrEx) error
	SetLinkDomains(ifindex int32, domains []resolvedDomain) error
	SetLinkDefaultRoute(ifindex int32, def bool) error
	SetLinkDNSSEC(ifindex int32, mode string) error
	SetLinkDNSOverTLS(ifindex int32, mode string) error
	RevertLink(ifindex int32) error
	Close() error
}

// connectResolved returns resolved on the system bus, or an error when it
// does not run there (no /run/systemd/resolve, no bus, nobody owning the
// name): the caller then falls back to resolv.conf.
var connectResolved = func() (resolvedOps, error) {
	if _, err := os.Stat("/run/systemd/resolve"); err != nil {
		return nil, err
	}
	return connectBus(dbus.ConnectSystemBus)
}

// connectBus dials a bus with connect (dialBus) and returns resolved on it.
func connectBus(connect func(...dbus.ConnOption) (*dbus.Conn, error)) (resolvedOps, error) {
	conn, err := dialBus(connect)
	if err != nil {
		return nil, fmt.Errorf("connect to system bus: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolvedTimout)
	defer cancel()
	return onBus(ctx, conn)
}

// dialBus connects with connect within resolvedTimout. godbus closes a
// connection when the context it was dialled with ends, so a deadline
// context must not be that context (it once was, and every call after the
// dial failed with "use of closed network connection" against a real
// systemd-resolved): the timeout ends the connection's context only while
// connecting.
func dialBus(connect func(...dbus.ConnOption) (*dbus.Conn, error)) (*dbus.Conn, error) {
	life, end := context.WithCancel(context.Background())
	timer := time.AfterFunc(resolvedTimout, end)
	conn, err := connect(dbus.WithContext(life))
	if !timer.Stop() {
		if err == nil {
			_ = conn.Close()
		}
		return nil, fmt.Errorf("no answer within %v: %w", resolvedTimout, context.DeadlineExceeded)
	}
	if err != nil {
		end()
		return nil, err
	}
	return conn, nil
}

// onBus returns resolved on conn's bus; it takes over conn, closing it on
// failure.
func onBus(ctx context.Context, conn *dbus.Conn) (busResolved, error) {
	var has bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, resolvedName).Store(&has); err != nil || !has {
		_ = conn.Close()
		if err == nil {
			err = errors.New(resolvedName + " is not on the bus")
		}
		return busResolved{}, err
	}
	return busResolved{conn: conn, obj: conn.Object(resolvedName, resolvedPath)}, nil
}

type busResolved struct {
	conn *dbus.Conn
	obj  dbus.BusObject
}

func (b busResolved) call(method string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), resolvedTimout)
	defer cancel()
	return b.obj.CallWithContext(ctx, resolvedIface+method, 0, args...).Err
}

func (b busResolved) SetLinkDNS(i int32, a []resolvedAddr) error { return b.call("SetLinkDNS", i, a) }
func (b busResolved) SetLinkDNSEx(i int32, a []resolvedAddrEx) error {
	return b.call("SetLinkDNSEx", i, a)
}
func (b busResolved) SetLinkDNSSEC(i int32, mode string) error {
	return b.call("SetLinkDNSSEC", i, mode)
}
func (b busResolved) SetLinkDNSOverTLS(i int32, mode string) error {
	return b.call("SetLinkDNSOverTLS", i, mode)
}
func (b busResolved) SetLinkDomains(i int32, d []resolvedDomain) error {
	return b.call("SetLinkDomains", i, d)
}
func (b busResolved) SetLinkDefaultRoute(i int32, def bool) error {
	return b.call("SetLinkDefaultRoute", i, def)
}
func (b busResolved) RevertLink(i int32) error { return b.call("RevertLink", i) }
func (b busResolved) Close() error             { return b.conn.Close() }

// applyResolved gives the link d's servers and domains. Search domains are
// also routing domains there; RouteDomains are routing-only; Default adds
// "~." and makes the link the default route for queries. DNSSEC and
// OverTLS become the link's DNSSEC and DNSOverTLS modes.
func applyResolved(r resolvedOps, iface string, ifindex int, d *DNS, done *Applied, logf Logf) error {
	idx := int32(ifindex)
	var addrs []resolvedAddrEx
	needEx := false
	for _, s := range d.Servers {
		a := resolvedAddrEx{Family: 2, Address: s.Addr().AsSlice(), Port: s.Port()} // AF_INET
		if s.Addr().Is6() {
			a.Family = 10 // AF_INET6
		}
		if d.OverTLS {
			a.Name = d.ServerName
		}
		needEx = needEx || a.Name != "" || (a.Port != 0 && a.Port != 53)
		addrs = append(addrs, a)
	}
	var doms []resolvedDomain
	for _, s := range d.SearchDomains {
		doms = append(doms, resolvedDomain{Domain: s})
	}
	for _, s := range d.RouteDomains {
		doms = append(doms, resolvedDomain{Domain: s, RoutingOnly: true})
	}
	if d.Default {
		doms = append(doms, resolvedDomain{Domain: ".", RoutingOnly: true})
	}
	// Recorded first: a failure halfway leaves settings RevertLink clears.
	done.DNS = &AppliedDNS{Mode: modeResolved, Link: iface, IfIndex: ifindex}
	if err := setLinkServers(r, idx, addrs, needEx, logf); err != nil {
		return fmt.Errorf("set dns: resolved on %s: %w", iface, err)
	}
	if err := r.SetLinkDomains(idx, doms); err != nil {
		return fmt.Errorf("set dns: resolved SetLinkDomains on %s: %w", iface, err)
	}
	if err := r.SetLinkDefaultRoute(idx, d.Default); err != nil {
		return fmt.Errorf("set dns: resolved SetLinkDefaultRoute on %s: %w", iface, err)
	}
	// Set only when asked for, so the link otherwise follows resolved's
	// global setting. A resolved too old to know the call still gets the
	// servers; the queries then go in plain DNS through the tunnel.
	if d.DNSSEC != "" {
		if err := r.SetLinkDNSSEC(idx, d.DNSSEC); isUnknownMethod(err) {
			logf.printf("warning: this systemd-resolved cannot set DNSSEC per link; %s uses its global setting", iface)
		} else if err != nil {
			return fmt.Errorf("set dns: resolved SetLinkDNSSEC on %s: %w", iface, err)
		}
	}
	if d.OverTLS {
		if err := r.SetLinkDNSOverTLS(idx, "yes"); isUnknownMethod(err) {
			logf.printf("warning: this systemd-resolved cannot do DNS over TLS; the tunnel's servers are asked in plain DNS through the tunnel")
		} else if err != nil {
			return fmt.Errorf("set dns: resolved SetLinkDNSOverTLS on %s: %w", iface, err)
		}
	}
	logf.printf("dns %v set on %s through systemd-resolved", d, iface)
	return nil
}

// setLinkServers sets the link's servers with SetLinkDNSEx (systemd 246)
// when a port or a TLS server name needs it, else with SetLinkDNS, which
// every resolved has; a resolved without SetLinkDNSEx gets the servers on
// the default port, without the name.
func setLinkServers(r resolvedOps, idx int32, addrs []resolvedAddrEx, needEx bool, logf Logf) error {
	if needEx {
		err := r.SetLinkDNSEx(idx, addrs)
		if !isUnknownMethod(err) {
			if err != nil {
				return fmt.Errorf("SetLinkDNSEx: %w", err)
			}
			return nil
		}
		logf.printf("warning: this systemd-resolved has no SetLinkDNSEx: dns servers on other ports are skipped, and DNS over TLS names are not checked")
	}
	plain := []resolvedAddr{}
	for _, a := range addrs {
		if a.Port != 0 && a.Port != 53 {
			ip, _ := netip.AddrFromSlice(a.Address)
			logf.printf("dns server %v skipped: SetLinkDNS cannot name a port", netip.AddrPortFrom(ip, a.Port))
			continue
		}
		plain = append(plain, resolvedAddr{Family: a.Family, Address: a.Address})
	}
	if err := r.SetLinkDNS(idx, plain); err != nil {
		return fmt.Errorf("SetLinkDNS: %w", err)
	}
	return nil
}

// isUnknownMethod: resolved is older than the call.
func isUnknownMethod(err error) bool {
	var e dbus.Error
	return errors.As(err, &e) && e.Name == "org.freedesktop.DBus.Error.UnknownMethod"
}

// revertResolved clears the link's DNS, if the link is still the one cvpn
// configured (an index can be reused by a new link after a crash).
func revertResolved(r resolvedOps, rec *AppliedDNS, linkName func(int) (string, error), logf Logf) error {
	name, err := linkName(rec.IfIndex)
	if err != nil || name != rec.Link {
		logf.printf("%s is gone, and its DNS settings in systemd-resolved with it", rec.Link)
		return nil
	}
	if err := r.RevertLink(int32(rec.IfIndex)); err != nil {
		return fmt.Errorf("restore dns: resolved RevertLink on %s: %w", rec.Link, err)
	}
	logf.printf("reverted the DNS settings of %s in systemd-resolved", rec.Link)
	return nil
}

func interfaceName(index int) (string, error) {
	ifc, err := net.InterfaceByIndex(index)
	if err != nil {
		return "", err
	}
	return ifc.Name, nil
}
