package openvpn

import (
	"encoding/binary"
	"testing"

	"github.com/cvpn/cvpn/profile"
)

// synPacket builds an IPv4 or IPv6 TCP packet with the given flags and
// options and a correct checksum.
func synPacket(v6 bool, flags byte, opts []byte) []byte {
	tcp := make([]byte, 20+len(opts))
	binary.BigEndian.PutUint16(tcp[0:], 40000)
	binary.BigEndian.PutUint16(tcp[2:], 443)
	tcp[12] = byte((20+len(opts))/4) << 4
	tcp[13] = flags
	copy(tcp[20:], opts)
	var p []byte
	if v6 {
		p = make([]byte, 40)
		p[0] = 6 << 4
		binary.BigEndian.PutUint16(p[4:], uint16(len(tcp)))
		p[6], p[7] = 6, 64
		p[8+15], p[24+15] = 1, 2
	} else {
		p = make([]byte, 20)
		p[0] = 0x45
		binary.BigEndian.PutUint16(p[2:], uint16(20+len(tcp)))
		p[8], p[9] = 64, 6
		copy(p[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	}
	p = append(p, tcp...)
	binary.BigEndian.PutUint16(p[len(p)-len(tcp)+16:], tcpChecksum(p))
	return p
}

// tcpChecksum computes the checksum of p's TCP segment with the checksum
// field taken as it is; a correct packet yields 0.
func tcpChecksum(p []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	var tcp []byte
	if p[0]>>4 == 6 {
		tcp = p[40:]
		add(p[8:40])
	} else {
		tcp = p[20:]
		add(p[12:20])
	}
	sum += 6 + uint32(len(tcp))
	add(tcp)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

func mssOf(p []byte) uint16 {
	tcp := p[20:]
	if p[0]>>4 == 6 {
		tcp = p[40:]
	}
	for i := 20; i < int(tcp[12]>>4)*4; {
		switch tcp[i] {
		case 0:
			return 0
		case 1:
			i++
		case 2:
			return binary.BigEndian.Uint16(tcp[i+2:])
		default:
			i += int(tcp[i+1])
		}
	}
	return 0
}

func TestClampMSS(t *testing.T) {
	mss1460 := []byte{2, 4, 0x05, 0xb4}
	tests := []struct {
		name    string
		v6      bool
		flags   byte
		opts    []byte
		wantMSS uint16
	}{
		{"ipv4 syn", false, 0x02, append(append([]byte{}, mss1460...), 1, 1, 1, 0), 1360},
		{"ipv4 syn odd offset", false, 0x02, append(append([]byte{1}, mss1460...), 1, 1, 0), 1360},
		{"ipv4 syn-ack", false, 0x12, append(append([]byte{}, mss1460...), 4, 2, 1, 0), 1360},
		{"ipv6 syn", true, 0x02, append(append([]byte{}, mss1460...), 1, 1, 1, 0), 1340},
		{"already small", false, 0x02, []byte{2, 4, 0x02, 0x00}, 512},
		{"not a syn", false, 0x10, append(append([]byte{}, mss1460...), 1, 1, 1, 0), 1460},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := synPacket(tt.v6, tt.flags, tt.opts)
			clampMSS(p, 1360, 1340)
			if got := mssOf(p); got != tt.wantMSS {
				t.Errorf("mss %d, want %d", got, tt.wantMSS)
			}
			if c := tcpChecksum(p); c != 0 {
				t.Errorf("checksum does not verify after clamping (residue %#x)", c)
			}
		})
	}
	// Truncated and foreign packets must not panic.
	for _, p := range [][]byte{nil, {0x45}, make([]byte, 20), synPacket(false, 0x02, mss1460)[:30], {0x60, 0, 0, 0, 0, 0, 6}} {
		clampMSS(p, 1000, 1000)
	}
}

func TestMSSLimits(t *testing.T) {
	// The 2.6 default, mssfix 1492 counted with encapsulation, with an
	// AEAD data channel (24 bytes with peer-id) over UDP/IPv4.
	m4, m6 := mssLimits(profile.MTU{MSSFix: 1492, MSSFixEncap: true}, 24, false, false)
	if m4 != 1400 || m6 != 1380 {
		t.Errorf("mss %d/%d, want 1400/1380", m4, m6)
	}
	if m4, m6 := mssLimits(profile.MTU{MSSFix: 0}, 24, false, false); m4 != 0 || m6 != 0 {
		t.Errorf("mssfix 0 must turn clamping off, got %d/%d", m4, m6)
	}
}
