package openvpn

import (
	"context"
	"net/netip"

	"github.com/cvpn/cvpn/openvpn/transport"
	"github.com/cvpn/cvpn/profile"
)

// float: a server whose datagrams start coming from a new address (a
// multi-homed server answering from another interface, a NAT in front of
// it that rebinds) is followed, as 2.6 does with --float, instead of being
// lost until ping-restart. The UDP socket is then left unconnected
// (transport.DialFloat) so the kernel passes on datagrams from anyone; the
// data path drops control packets from strangers, and moves the peer only
// when a data packet from the new address proves authentic by decrypting
// under the session's key. Without float the socket stays connected, and
// the kernel drops strangers as before.

// dialRemote opens the transport of one attempt.
func dialRemote(ctx context.Context, r *profile.Remote, tp transport.Proto, addr netip.AddrPort) (transport.Conn, error) {
	if tp == transport.UDP && r.Float {
		return transport.DialFloat(addr)
	}
	return transport.Dial(ctx, tp, addr)
}

// floatWatch is readNet's view of a floating socket; the zero value (not
// floating) accepts everything the kernel delivers.
type floatWatch struct {
	fl    transport.Floating
	peer  netip.AddrPort
	moved netip.AddrPort // an authentic packet's new source, in this batch
}

func (l *link) newFloatWatch() floatWatch {
	if !l.remote.Float {
		return floatWatch{}
	}
	fl, ok := l.conn.(transport.Floating)
	if !ok {
		return floatWatch{}
	}
	return floatWatch{fl: fl, peer: fl.RemoteAddr()}
}

// stranger reports whether packet i of the batch came from elsewhere than
// the server's current address.
func (f *floatWatch) stranger(i int) bool { return f.fl != nil && f.fl.Source(i) != f.peer }

// authentic notes that packet i decrypted: if it came from a new address,
// the server moved there.
func (f *floatWatch) authentic(i int) {
	if f.stranger(i) {
		f.moved = f.fl.Source(i)
	}
}

// follow sends to the server's new address once a batch proved it.
func (l *link) follow(f *floatWatch) {
	if !f.moved.IsValid() {
		return
	}
	l.s.logf.printf("the server now sends from %v (float); following it", f.moved)
	f.fl.SetPeer(f.moved)
	f.peer, f.moved = f.moved, netip.AddrPort{}
}
