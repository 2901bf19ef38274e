//go:build linux

package e2e

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/cvpn/cvpn/e2e/lab"
)

// tunCapture sees every packet cvpn writes to its tun device, through an
// AF_PACKET socket bound to the device in the client namespace (the tap
// runs before the IP stack, so it sees what the stack would drop), and
// checks each one is a well-formed IP packet from one of the server's tun
// addresses (its pool address; or its IPv6 link-local one, from which the
// server's kernel sends router solicitations that openvpn passes on to
// its clients as multicast): right version, header length, total length equal to what was
// written, IPv4 header checksum, and for ICMP its checksum too. An echo
// reply seen twice means a replayed data packet got through. Packets the
// kernel sends out of the device (the client's own, and the copies of its
// multicasts that it loops back) are skipped.
type tunCapture struct {
	f      *os.File
	from   []netip.Addr // the server's tun addresses
	to     netip.Prefix
	closed chan struct{}

	mu      sync.Mutex
	packets int
	bad     []string
	echoes  map[uint32]bool // id<<16 | seq of the echo replies seen
}

// maxBadShown bounds the malformed packets kept for the failure message.
const maxBadShown = 10

func startTunCapture(t *testing.T, l *lab.Lab, dev string) *tunCapture {
	t.Helper()
	from := []netip.Addr{l.ServerTunIP, serverLinkLocal(t, l)}
	c := &tunCapture{from: from, to: l.TunnelPrefix, closed: make(chan struct{}), echoes: make(map[uint32]bool)}
	proto := int(htons(unix.ETH_P_ALL))
	err := lab.InNetns(l.ClientNS, func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
		if err != nil {
			return fmt.Errorf("packet socket: %w", err)
		}
		// Bursts of replies must not overflow the default buffer while
		// the race-built test program is slow to read.
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20)
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
			unix.Close(fd)
			return fmt.Errorf("bind packet socket to %s: %w", dev, err)
		}
		c.f = os.NewFile(uintptr(fd), "packet:"+dev)
		return nil
	})
	if err != nil {
		t.Fatalf("capture %s: %v", dev, err)
	}
	go c.read()
	t.Cleanup(c.close)
	return c
}

// serverLinkLocal returns the IPv6 link-local address of the server's tun
// device.
func serverLinkLocal(t *testing.T, l *lab.Lab) netip.Addr {
	t.Helper()
	out, err := lab.Exec(t.Context(), "", "ip", "-n", l.ServerNS, "-6", "-o", "addr", "show", "dev", lab.TunDev, "scope", "link")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(out))
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "inet6" {
			if p, err := netip.ParsePrefix(f[i+1]); err == nil {
				return p.Addr()
			}
		}
	}
	// None (IPv6 off on the server's tun): nothing may come from one.
	return netip.Addr{}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func (c *tunCapture) close() {
	_ = c.f.Close() // ends read
	<-c.closed
}

func (c *tunCapture) read() {
	defer close(c.closed)
	rc, err := c.f.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 1<<16+1)
	for {
		var n int
		var from unix.Sockaddr
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			// MSG_TRUNC: n is the packet's real length, even if longer
			// than buf.
			n, from, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_TRUNC)
			return !errors.Is(rerr, unix.EAGAIN)
		})
		if err != nil {
			return // closed
		}
		if rerr != nil {
			continue
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && (ll.Pkttype == unix.PACKET_OUTGOING || ll.Pkttype == unix.PACKET_LOOPBACK) {
			continue // the kernel's own: sent out, or its multicast looped back
		}
		c.check(buf[:min(n, len(buf))], n, from)
	}
}

// check records one packet written to the device and whether it is sound.
func (c *tunCapture) check(pkt []byte, n int, from unix.Sockaddr) {
	why := c.malformed(pkt, n, from)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.packets++
	if why != "" && len(c.bad) < maxBadShown {
		c.bad = append(c.bad, fmt.Sprintf("%s: %d bytes %s", why, n, hex.EncodeToString(pkt[:min(len(pkt), 64)])))
	}
}

// malformed says what is wrong with pkt (n bytes on the wire), or "".
func (c *tunCapture) malformed(pkt []byte, n int, from unix.Sockaddr) string {
	if n != len(pkt) {
		return "longer than 64 KiB"
	}
	if len(pkt) == 0 {
		return "empty"
	}
	ll, _ := from.(*unix.SockaddrLinklayer)
	switch pkt[0] >> 4 {
	case 4:
		if ll != nil && ll.Protocol != htons(unix.ETH_P_IP) {
			return fmt.Sprintf("IPv4 packet with link protocol %#04x", htons(ll.Protocol))
		}
		return c.malformed4(pkt)
	case 6:
		if ll != nil && ll.Protocol != htons(unix.ETH_P_IPV6) {
			return fmt.Sprintf("IPv6 packet with link protocol %#04x", htons(ll.Protocol))
		}
		if len(pkt) < 40 {
			return "IPv6 header truncated"
		}
		if pl := int(binary.BigEndian.Uint16(pkt[4:])); pl+40 != len(pkt) {
			return fmt.Sprintf("IPv6 payload length %d, written %d", pl, len(pkt)-40)
		}
		if src := netip.AddrFrom16([16]byte(pkt[8:24])); !slices.Contains(c.from, src) {
			return fmt.Sprintf("from %v, not the server's tunnel address", src)
		}
		return ""
	}
	return fmt.Sprintf("IP version %d", pkt[0]>>4)
}

func (c *tunCapture) malformed4(pkt []byte) string {
	if len(pkt) < 20 {
		return "IPv4 header truncated"
	}
	hl := int(pkt[0]&0x0f) * 4
	if hl < 20 || hl > len(pkt) {
		return fmt.Sprintf("IPv4 header length %d", hl)
	}
	if tl := int(binary.BigEndian.Uint16(pkt[2:])); tl != len(pkt) {
		return fmt.Sprintf("IPv4 total length %d, written %d", tl, len(pkt))
	}
	if inetChecksum(pkt[:hl]) != 0 {
		return "IPv4 header checksum"
	}
	src, dst := netip.AddrFrom4([4]byte(pkt[12:16])), netip.AddrFrom4([4]byte(pkt[16:20]))
	if !slices.Contains(c.from, src) || !c.to.Contains(dst) {
		return fmt.Sprintf("%v → %v, not from the server's tunnel address to the pool", src, dst)
	}
	if pkt[9] != unix.IPPROTO_ICMP || binary.BigEndian.Uint16(pkt[6:])&0x3fff != 0 {
		return "" // a fragment's or another protocol's payload: the header was checked
	}
	icmp := pkt[hl:]
	if len(icmp) < 8 || inetChecksum(icmp) != 0 {
		return "ICMP checksum"
	}
	if icmp[0] == 0 { // echo reply
		key := binary.BigEndian.Uint32(icmp[4:])
		c.mu.Lock()
		dup := c.echoes[key]
		c.echoes[key] = true
		c.mu.Unlock()
		if dup {
			return fmt.Sprintf("echo reply id %d seq %d seen twice: a replayed data packet", key>>16, key&0xffff)
		}
	}
	return ""
}

// inetChecksum is the Internet checksum of b: 0 for a region that
// includes a correct checksum field.
func inetChecksum(b []byte) uint16 {
	var sum uint32
	for ; len(b) >= 2; b = b[2:] {
		sum += uint32(b[0])<<8 | uint32(b[1])
	}
	if len(b) == 1 {
		sum += uint32(b[0]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// result returns how many packets the device received so far and the
// first malformed ones.
func (c *tunCapture) result() (packets int, bad []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.packets, append([]string(nil), c.bad...)
}
