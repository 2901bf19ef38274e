package datachannel

import (
	"fmt"
	"strings"
)

// Compression is the compression framing agreed with the server (from the
// profile or the pushed options). cvpn always sends packets marked
// uncompressed; the framing must still be exact, or the peer decrypts
// packets correctly and then discards them as garbage.
//
// On-wire bytes, from OpenVPN 2.6 comp.h / compstub.c / comp-lz4.c / lzo.c:
//
//	CompLZO:  0xFA ‖ payload                  (0x66 = LZO-compressed)
//	CompSwap: 0xFB ‖ payload[1:] ‖ payload[0] (0x69 = LZ4-compressed)
//	CompV2:   payload, or 0x50 ‖ alg ‖ payload when payload[0] == 0x50
type Compression uint8

const (
	// CompNone: no framing ("allow-compression no" and nothing pushed).
	CompNone Compression = iota
	// CompLZO: a one-byte prefix ("comp-lzo [yes|no|adaptive]", "compress lzo").
	CompLZO
	// CompSwap: the first payload byte moves to the end and a marker takes
	// its place, which keeps the IP header aligned ("compress",
	// "compress stub", "compress lz4").
	CompSwap
	// CompV2: no byte at all unless the payload starts with 0x50
	// ("compress stub-v2", "compress lz4-v2").
	CompV2
)

// Framing bytes.
const (
	lzoUncompressed  = 0xFA // NO_COMPRESS_BYTE
	lzoCompressed    = 0x66 // LZO_COMPRESS_BYTE
	swapUncompressed = 0xFB // NO_COMPRESS_BYTE_SWAP
	swapLZ4          = 0x69 // LZ4_COMPRESS_BYTE
	v2Indicator      = 0x50 // COMP_ALGV2_INDICATOR_BYTE
	v2Uncompressed   = 0    // COMP_ALGV2_UNCOMPRESSED_BYTE
	// v2Uncompressed26 is what OpenVPN 2.6's escape path actually writes
	// (COMP_ALGV2_UNCOMPRESSED, the option value, not the wire byte). 2.6
	// itself rejects it on receive; we accept it, since it can only mean
	// "not compressed". We send v2Uncompressed, which every version accepts.
	v2Uncompressed26 = 10
)

// maxCompHead and maxCompTail bound the bytes any framing adds.
const (
	maxCompHead = 2
	maxCompTail = 1
)

func (c Compression) String() string {
	switch c {
	case CompNone:
		return "none"
	case CompLZO:
		return "lzo-framing"
	case CompSwap:
		return "swap-framing"
	case CompV2:
		return "v2-framing"
	}
	return fmt.Sprintf("Compression(%d)", uint8(c))
}

// ParseCompression maps a "comp-lzo" or "compress" option, as split into
// fields by the profile or push parser, to its framing. Every algorithm maps
// to the framing it uses; we send uncompressed packets, which every peer
// accepts, and Open reports ErrCompressed if the peer compresses.
func ParseCompression(option string, args ...string) (Compression, error) {
	arg := ""
	if len(args) > 1 {
		return CompNone, fmt.Errorf("parse compression: %s: too many arguments", option)
	}
	if len(args) == 1 {
		arg = strings.ToLower(args[0])
	}
	switch strings.ToLower(option) {
	case "comp-lzo":
		switch arg {
		case "", "yes", "no", "adaptive", "asym":
			return CompLZO, nil
		}
	case "compress":
		switch arg {
		case "", "stub", "lz4":
			return CompSwap, nil
		case "stub-v2", "lz4-v2":
			return CompV2, nil
		case "lzo":
			return CompLZO, nil
		}
	default:
		return CompNone, fmt.Errorf("parse compression: %q is not a compression option", option)
	}
	return CompNone, fmt.Errorf("parse compression: %s: unsupported algorithm %q", option, arg)
}

// frame applies the framing to the payload at b[off:off+n] in place and
// returns the framed payload's bounds. The caller has checked that b has
// maxCompHead bytes before off and maxCompTail bytes after off+n, and n ≥ 1.
func (c Compression) frame(b []byte, off, n int) (start, end int) {
	start, end = off, off+n
	switch c {
	case CompLZO:
		start--
		b[start] = lzoUncompressed
	case CompSwap:
		b[end] = b[start]
		b[start] = swapUncompressed
		end++
	case CompV2:
		if b[start] == v2Indicator {
			start -= 2
			b[start] = v2Indicator
			b[start+1] = v2Uncompressed
		}
	}
	return start, end
}

// unframe removes the framing from a decrypted payload, in place.
func (c Compression) unframe(p []byte) ([]byte, error) {
	if len(p) == 0 {
		return nil, errOpenEmpty
	}
	switch c {
	case CompLZO:
		switch p[0] {
		case lzoUncompressed:
			return p[1:], nil
		case lzoCompressed:
			return nil, errOpenComp
		}
		return nil, errOpenCompByte
	case CompSwap:
		switch p[0] {
		case swapUncompressed:
			last := len(p) - 1
			p[0] = p[last]
			return p[:last], nil
		case swapLZ4:
			return nil, errOpenComp
		}
		return nil, errOpenCompByte
	case CompV2:
		if p[0] != v2Indicator {
			return p, nil
		}
		if len(p) < 2 {
			return nil, errOpenCompByte
		}
		switch p[1] {
		case v2Uncompressed, v2Uncompressed26:
			return p[2:], nil
		case 1, 2, 3: // LZ4, LZO, Snappy
			return nil, errOpenComp
		}
		return nil, errOpenCompByte
	}
	return p, nil
}
