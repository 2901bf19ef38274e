package proxy

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
)

// SOCKS5 constants (RFC 1928, RFC 1929).
const (
	socksVersion   = 5
	methodNone     = 0x00
	methodUserPass = 0x02
	methodNoAccept = 0xff
	cmdConnect     = 0x01
	cmdUDP         = 0x03
	atypIPv4       = 0x01
	atypDomain     = 0x03
	atypIPv6       = 0x04
	userPassVer    = 0x01
)

// socksReplies are RFC 1928's REP meanings.
var socksReplies = map[byte]string{
	1: "general SOCKS server failure",
	2: "connection not allowed by ruleset",
	3: "network unreachable",
	4: "host unreachable",
	5: "connection refused",
	6: "TTL expired",
	7: "command not supported",
	8: "address type not supported",
}

// SOCKS5Connect asks the SOCKS5 proxy at the other end of conn to connect to
// host:port. host goes as an IP address when it is one and as a domain
// name otherwise, so the proxy resolves it, as OpenVPN does. With
// credentials it offers username/password besides no authentication. A
// proxy that accepts no offered method, or refuses the credentials, is an
// *AuthError; a failure reply a *RefusedError. conn is not closed on error.
func SOCKS5Connect(ctx context.Context, conn net.Conn, proxy, host string, port int, c Credentials) error {
	req, err := socksRequest(cmdConnect, host, port)
	if err != nil {
		return err
	}
	_, err = socksCommand(ctx, conn, proxy, net.JoinHostPort(host, strconv.Itoa(port)), req, c)
	return err
}

// socksCommand authenticates, sends req and returns the reply's bound
// address. target names the destination in a *RefusedError.
func socksCommand(ctx context.Context, conn net.Conn, proxy, target string, req []byte, c Credentials) (netip.AddrPort, error) {
	if len(c.Username) > 255 || len(c.Password) > 255 {
		return netip.AddrPort{}, errors.New("socks proxy: username and password must be at most 255 bytes each")
	}
	done := exchange(ctx, conn)
	defer done()
	if err := socksNegotiate(ctx, conn, proxy, c); err != nil {
		return netip.AddrPort{}, err
	}
	if _, err := conn.Write(req); err != nil {
		return netip.AddrPort{}, ioError(ctx, proxy, "send the SOCKS request", err)
	}
	code, bound, err := readSOCKSReply(conn)
	if err != nil {
		var pe *protoError
		if errors.As(err, &pe) {
			return netip.AddrPort{}, fmt.Errorf("the proxy %s sent a bad SOCKS reply: %w", proxy, err)
		}
		return netip.AddrPort{}, ioError(ctx, proxy, "read the SOCKS reply", err)
	}
	if code != 0 {
		status, ok := socksReplies[code]
		if !ok {
			status = "reply code " + strconv.Itoa(int(code))
		}
		return netip.AddrPort{}, &RefusedError{Proxy: proxy, Target: target, Status: status, Code: int(code)}
	}
	return bound, nil
}

// socksNegotiate offers the methods and runs the chosen one.
func socksNegotiate(ctx context.Context, conn net.Conn, proxy string, c Credentials) error {
	greet := []byte{socksVersion, 1, methodNone}
	if !c.Empty() {
		greet = []byte{socksVersion, 2, methodNone, methodUserPass}
	}
	if _, err := conn.Write(greet); err != nil {
		return ioError(ctx, proxy, "send the SOCKS greeting", err)
	}
	var sel [2]byte
	if _, err := io.ReadFull(conn, sel[:]); err != nil {
		return ioError(ctx, proxy, "read the SOCKS method", err)
	}
	if sel[0] != socksVersion {
		return fmt.Errorf("the proxy %s is not a SOCKS5 proxy (it answered with version %d)", proxy, sel[0])
	}
	switch sel[1] {
	case methodNone:
	case methodUserPass:
		if c.Empty() {
			return fmt.Errorf("the proxy %s chose username/password authentication, which was not offered", proxy)
		}
		if err := socksUserPass(ctx, conn, proxy, c); err != nil {
			return err
		}
	case methodNoAccept:
		return &AuthError{Proxy: proxy, Refused: false, Status: "no acceptable authentication method"}
	default:
		return fmt.Errorf("the proxy %s chose SOCKS authentication method %#x, which cvpn does not support", proxy, sel[1])
	}
	return nil
}

func socksUserPass(ctx context.Context, conn net.Conn, proxy string, c Credentials) error {
	msg := make([]byte, 0, 3+len(c.Username)+len(c.Password))
	msg = append(msg, userPassVer, byte(len(c.Username)))
	msg = append(msg, c.Username...)
	msg = append(msg, byte(len(c.Password)))
	msg = append(msg, c.Password...)
	if _, err := conn.Write(msg); err != nil {
		return ioError(ctx, proxy, "send the SOCKS username and password", err)
	}
	var st [2]byte
	if _, err := io.ReadFull(conn, st[:]); err != nil {
		return ioError(ctx, proxy, "read the SOCKS authentication status", err)
	}
	if st[0] != userPassVer {
		return fmt.Errorf("the proxy %s sent a bad SOCKS authentication status (version %d)", proxy, st[0])
	}
	if st[1] != 0 {
		return &AuthError{Proxy: proxy, Refused: true, Status: "SOCKS status " + strconv.Itoa(int(st[1]))}
	}
	return nil
}

// socksRequest is the request cmd for host:port.
func socksRequest(cmd byte, host string, port int) ([]byte, error) {
	if port < 1 || port > 65535 {
		return nil, fmt.Errorf("socks proxy: port %d out of range", port)
	}
	return appendAddr([]byte{socksVersion, cmd, 0}, host, port)
}

// appendAddr appends ATYP, DST.ADDR and DST.PORT: an IP address when host
// is one, a domain name otherwise.
func appendAddr(req []byte, host string, port int) ([]byte, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		if a.Is4() {
			req = append(req, atypIPv4)
		} else {
			req = append(req, atypIPv6)
		}
		req = append(req, a.AsSlice()...)
	} else {
		if host == "" || len(host) > 255 {
			return nil, fmt.Errorf("socks proxy: host name %q must be 1 to 255 bytes", host)
		}
		req = append(req, atypDomain, byte(len(host)))
		req = append(req, host...)
	}
	return binary.BigEndian.AppendUint16(req, uint16(port)), nil
}

// protoError is a reply that breaks the protocol.
type protoError struct{ msg string }

func (e *protoError) Error() string { return e.msg }

// readSOCKSReply reads a whole reply, bound address included, so that
// nothing of it is left for the tunnel, and returns its REP code and the
// bound address (invalid when the proxy names it by domain).
func readSOCKSReply(r io.Reader) (byte, netip.AddrPort, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, netip.AddrPort{}, err
	}
	if hdr[0] != socksVersion {
		return 0, netip.AddrPort{}, &protoError{fmt.Sprintf("version %d, want 5", hdr[0])}
	}
	var n int
	switch hdr[3] {
	case atypIPv4:
		n = 4
	case atypIPv6:
		n = 16
	case atypDomain:
		var l [1]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return 0, netip.AddrPort{}, err
		}
		n = int(l[0])
	default:
		if hdr[1] != 0 {
			// Some servers send a short failure reply; the code is what
			// matters and the connection is closed anyway.
			return hdr[1], netip.AddrPort{}, nil
		}
		return 0, netip.AddrPort{}, &protoError{fmt.Sprintf("address type %d", hdr[3])}
	}
	b := make([]byte, n+2)
	if _, err := io.ReadFull(r, b); err != nil {
		return 0, netip.AddrPort{}, err
	}
	var bound netip.AddrPort
	if a, ok := netip.AddrFromSlice(b[:n]); ok && hdr[3] != atypDomain {
		bound = netip.AddrPortFrom(a, binary.BigEndian.Uint16(b[n:]))
	}
	return hdr[1], bound, nil
}
