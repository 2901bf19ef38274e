package netcfg

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// dnsProbeFor picks how the DNS watch reads back what Apply set: the
// resolv.conf cvpn wrote, or the tunnel link's settings in
// systemd-resolved (compared with what they were when the watch
// started, just after Apply). A resolvconf record is not watched:
// resolvconf merges every program's records, so no other program
// replaces cvpn's.
func dnsProbeFor(rec *AppliedDNS) (dnsProbe, bool) {
	switch rec.Mode {
	case modeResolvConf:
		return fileProbe(rec.Path, rec.Written), true
	case modeResolved:
		r := &resolvedReader{ifindex: rec.IfIndex}
		return dnsProbe{
			where: "the systemd-resolved DNS settings of " + rec.Link,
			read:  r.read,
			close: r.close,
		}, true
	}
	return dnsProbe{}, false
}

// resolvedReader reads a link's settings over one system bus connection,
// opened on first use and again after an error.
type resolvedReader struct {
	ifindex int
	conn    *dbus.Conn
}

func (r *resolvedReader) close() {
	if r.conn != nil {
		_ = r.conn.Close()
		r.conn = nil
	}
}

func (r *resolvedReader) read() ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), resolvedTimout)
	defer cancel()
	if r.conn == nil {
		// Not ctx: godbus closes a connection when its context ends.
		conn, err := dialBus(dbus.ConnectSystemBus)
		if err != nil {
			return nil, fmt.Errorf("read resolved link: connect to system bus: %w", err)
		}
		r.conn = conn
	}
	b, err := readResolvedLink(ctx, r.conn, r.ifindex)
	if err != nil {
		r.close()
	}
	return b, err
}

// readResolvedLink reads a link's DNS servers, domains and default-route
// flag from systemd-resolved, rendered as text to compare.
func readResolvedLink(ctx context.Context, conn *dbus.Conn, ifindex int) ([]byte, error) {
	var path dbus.ObjectPath
	if err := conn.Object(resolvedName, resolvedPath).CallWithContext(ctx, resolvedName+".Manager.GetLink", 0, int32(ifindex)).Store(&path); err != nil {
		return nil, fmt.Errorf("read resolved link %d: %w", ifindex, err)
	}
	link := conn.Object(resolvedName, path)
	var out []byte
	for _, prop := range []string{"DNS", "Domains", "DefaultRoute"} {
		v, err := link.GetProperty(resolvedName + ".Link." + prop)
		if err != nil {
			return nil, fmt.Errorf("read resolved link %d %s: %w", ifindex, prop, err)
		}
		out = fmt.Appendf(out, "%s=%v\n", prop, v.Value())
	}
	return out, nil
}
