package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// SOCKS5 UDP relaying (RFC 1928 §7), which OpenVPN uses for UDP remotes
// behind socks-proxy:
//
//	TCP to the proxy: UDP ASSOCIATE ─▶ reply names the relay (BND.ADDR:PORT)
//	UDP to the relay: [RSV RSV FRAG ATYP DST.ADDR DST.PORT] + OpenVPN packet
//
// The association lasts as long as the TCP connection: the caller keeps it
// open and closes it with the UDP socket.

// SOCKS5UDPAssociate asks the proxy at the other end of conn for a UDP
// relay and returns the relay's address. An unspecified bound address
// (0.0.0.0) means the proxy's own; proxyAddr supplies it.
func SOCKS5UDPAssociate(ctx context.Context, conn net.Conn, proxy string, proxyAddr netip.Addr, c Credentials) (netip.AddrPort, error) {
	// The client's address and port are not known before it sends: RFC 1928
	// says to send zeros then.
	req, err := appendAddr([]byte{socksVersion, cmdUDP, 0}, "0.0.0.0", 0)
	if err != nil {
		return netip.AddrPort{}, err
	}
	bound, err := socksCommand(ctx, conn, proxy, "a UDP relay", req, c)
	if err != nil {
		return netip.AddrPort{}, err
	}
	if !bound.IsValid() || bound.Port() == 0 {
		return netip.AddrPort{}, fmt.Errorf("the proxy %s named no usable UDP relay address", proxy)
	}
	if bound.Addr().IsUnspecified() {
		bound = netip.AddrPortFrom(proxyAddr, bound.Port())
	}
	return netip.AddrPortFrom(bound.Addr().Unmap(), bound.Port()), nil
}

// UDPHeader is the header of every datagram sent through a SOCKS5 relay to
// host:port.
func UDPHeader(host string, port int) ([]byte, error) {
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("socks proxy: port %d out of range", port)
	}
	return appendAddr([]byte{0, 0, 0}, host, port)
}

var errUDPHeader = errors.New("bad SOCKS UDP header")

// StripUDPHeader returns the payload of a datagram from a SOCKS5 relay.
// Fragments (FRAG ≠ 0), which OpenVPN never sends, are refused like a
// malformed header; the caller drops them.
func StripUDPHeader(b []byte) ([]byte, error) {
	if len(b) < 4 || b[0] != 0 || b[1] != 0 || b[2] != 0 {
		return nil, errUDPHeader
	}
	n := 0
	switch b[3] {
	case atypIPv4:
		n = 4 + 4
	case atypIPv6:
		n = 4 + 16
	case atypDomain:
		if len(b) < 5 {
			return nil, errUDPHeader
		}
		n = 5 + int(b[4])
	default:
		return nil, errUDPHeader
	}
	if len(b) < n+2 {
		return nil, errUDPHeader
	}
	return b[n+2:], nil
}
