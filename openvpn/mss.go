package openvpn

import (
	"encoding/binary"

	"github.com/cvpn/cvpn/profile"
)

// mssfix: OpenVPN lowers the MSS option of TCP SYN packets in both
// directions so that TCP segments, once encapsulated, fit the path without
// IP fragmentation, which many networks drop. 2.6 does it by default
// (mssfix 1492, counted with encapsulation); so does cvpn.

// mssLimits returns the largest MSS for IPv4 and IPv6 TCP inside the
// tunnel, or zeros when mssfix is off. dcOverhead is what the data channel
// adds to a payload; tcpTransport adds the stream's length prefix;
// remote6 says the outer packets are IPv6.
func mssLimits(m profile.MTU, dcOverhead int, tcpTransport, remote6 bool) (mss4, mss6 uint16) {
	if m.MSSFix <= 0 {
		return 0, 0
	}
	overhead := dcOverhead
	if tcpTransport {
		overhead += 2
	}
	budget := m.MSSFix - overhead // the largest inner IP packet
	if m.MSSFixEncap || m.MSSFixFixed {
		outer := 20 + 8 // the outer IP and UDP headers
		if remote6 {
			outer += 20
		}
		if tcpTransport {
			outer += 12
		}
		budget -= outer
	}
	clamp := func(n int) uint16 { return uint16(min(max(n, 536), 65535)) }
	return clamp(budget - 20 - 20), clamp(budget - 40 - 20)
}

// clampMSS lowers the MSS option of a TCP SYN in the IP packet p to max4
// (IPv4) or max6 (IPv6) and fixes the TCP checksum incrementally. Other
// packets are left alone; the common case costs a few byte comparisons.
func clampMSS(p []byte, max4, max6 uint16) {
	if len(p) < 20 {
		return
	}
	var tcp []byte
	var limit uint16
	switch p[0] >> 4 {
	case 4:
		ihl := int(p[0]&0x0f) * 4
		// TCP, not a later fragment, header present.
		if p[9] != 6 || binary.BigEndian.Uint16(p[6:8])&0x1fff != 0 || ihl < 20 || len(p) < ihl+20 {
			return
		}
		tcp, limit = p[ihl:], max4
	case 6:
		if len(p) < 60 || p[6] != 6 { // TCP directly after the fixed header
			return
		}
		tcp, limit = p[40:], max6
	default:
		return
	}
	if limit == 0 || tcp[13]&0x02 == 0 { // SYN
		return
	}
	hdrLen := int(tcp[12]>>4) * 4
	if hdrLen < 20 || hdrLen > len(tcp) {
		return
	}
	for i := 20; i < hdrLen; {
		switch kind := tcp[i]; {
		case kind == 0: // end of options
			return
		case kind == 1: // no-op
			i++
			continue
		case i+1 >= hdrLen || tcp[i+1] < 2:
			return
		case kind == 2 && tcp[i+1] == 4 && i+4 <= hdrLen:
			old := binary.BigEndian.Uint16(tcp[i+2:])
			if old <= limit {
				return
			}
			binary.BigEndian.PutUint16(tcp[i+2:], limit)
			oldW, newW := old, limit
			if (i+2)%2 == 1 {
				// An odd offset puts each byte in the other half of
				// its 16-bit checksum word.
				oldW, newW = old>>8|old<<8, limit>>8|limit<<8
			}
			fixChecksum(tcp[16:18], oldW, newW)
			return
		}
		i += int(tcp[i+1])
	}
}

// fixChecksum updates a one's-complement checksum for one 16-bit word
// changing from old to new (RFC 1624, eqn. 3).
func fixChecksum(sum []byte, old, new uint16) {
	s := uint32(^binary.BigEndian.Uint16(sum)) + uint32(^old) + uint32(new)
	s = (s & 0xffff) + (s >> 16)
	s = (s & 0xffff) + (s >> 16)
	binary.BigEndian.PutUint16(sum, ^uint16(s))
}
