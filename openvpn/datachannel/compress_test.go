package datachannel

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseCompression(t *testing.T) {
	for _, tc := range []struct {
		option string
		args   []string
		want   Compression
		ok     bool
	}{
		{"comp-lzo", nil, CompLZO, true},
		{"comp-lzo", []string{"no"}, CompLZO, true},
		{"comp-lzo", []string{"yes"}, CompLZO, true},
		{"comp-lzo", []string{"adaptive"}, CompLZO, true},
		{"compress", nil, CompSwap, true},
		{"compress", []string{"stub"}, CompSwap, true},
		{"compress", []string{"lz4"}, CompSwap, true},
		{"compress", []string{"stub-v2"}, CompV2, true},
		{"compress", []string{"lz4-v2"}, CompV2, true},
		{"compress", []string{"LZ4-V2"}, CompV2, true},
		{"compress", []string{"lzo"}, CompLZO, true},
		{"compress", []string{"snappy"}, CompNone, false},
		{"compress", []string{"migrate"}, CompNone, false},
		{"comp-lzo", []string{"maybe"}, CompNone, false},
		{"compress", []string{"stub", "extra"}, CompNone, false},
		{"allow-compression", []string{"no"}, CompNone, false},
	} {
		got, err := ParseCompression(tc.option, tc.args...)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseCompression(%q, %q) = %v, %v; want %v, ok=%v", tc.option, tc.args, got, err, tc.want, tc.ok)
		}
	}
}

// TestFrame pins the bytes each framing puts on the wire for an
// uncompressed packet (compstub.c stub_compress, comp.c
// compv2_escape_data_ifneeded).
func TestFrame(t *testing.T) {
	for _, tc := range []struct {
		comp    Compression
		payload string
		want    string
	}{
		{CompNone, "450102", "450102"},
		{CompLZO, "450102", "fa450102"},
		{CompSwap, "450102", "fb010245"},
		{CompSwap, "60", "fb60"},
		{CompV2, "450102", "450102"},
		{CompV2, "500102", "5000500102"},
	} {
		p := mustHex(tc.payload)
		buf := make([]byte, 8+len(p)+8)
		copy(buf[8:], p)
		start, end := tc.comp.frame(buf, 8, len(p))
		if got := buf[start:end]; !bytes.Equal(got, mustHex(tc.want)) {
			t.Errorf("%s frame(%s) = %x, want %s", tc.comp, tc.payload, got, tc.want)
		}
		back, err := tc.comp.unframe(append([]byte{}, buf[start:end]...))
		if err != nil || !bytes.Equal(back, p) {
			t.Errorf("%s unframe(frame(%s)) = %x, %v", tc.comp, tc.payload, back, err)
		}
	}
}

func TestUnframe(t *testing.T) {
	for _, tc := range []struct {
		comp Compression
		in   string
		want string
		err  error
	}{
		{CompLZO, "fa4501", "4501", nil},
		{CompLZO, "fa", "", nil},
		{CompLZO, "664501", "", ErrCompressed},
		{CompLZO, "fb4501", "", ErrMalformed},
		{CompLZO, "4501", "", ErrMalformed},
		{CompSwap, "fb0145", "4501", nil},
		{CompSwap, "fb", "", nil},
		{CompSwap, "690145", "", ErrCompressed},
		{CompSwap, "fa0145", "", ErrMalformed},
		{CompV2, "4501", "4501", nil},
		{CompV2, "50004501", "4501", nil},
		{CompV2, "500a4501", "4501", nil}, // what 2.6's escape writes
		{CompV2, "50014501", "", ErrCompressed},
		{CompV2, "50024501", "", ErrCompressed},
		{CompV2, "50", "", ErrMalformed},
		{CompV2, "50ff", "", ErrMalformed},
		{CompNone, "fa", "fa", nil},
		{CompLZO, "", "", ErrMalformed},
		{CompSwap, "", "", ErrMalformed},
		{CompV2, "", "", ErrMalformed},
	} {
		got, err := tc.comp.unframe(mustHex(tc.in))
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s unframe(%s): err %v, want %v", tc.comp, tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, mustHex(tc.want)) {
			t.Errorf("%s unframe(%s) = %x, %v; want %s", tc.comp, tc.in, got, err, tc.want)
		}
	}
}

// TestCompressedPacketRejected checks the advice reaches the caller when an
// authentic packet turns out to be compressed.
func TestCompressedPacketRejected(t *testing.T) {
	k := patternKey()
	for _, tc := range []struct {
		comp   Compression
		framed []byte
	}{
		{CompLZO, append([]byte{lzoCompressed}, katPayload...)},
		{CompSwap, append([]byte{swapLZ4}, katPayload...)},
		{CompV2, append([]byte{v2Indicator, 1}, katPayload...)},
	} {
		c, err := New(Config{Cipher: "AES-128-GCM", Send: k, Recv: k, Compression: tc.comp})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Open(withTailroom(refAEAD(t, "AES-128-GCM", k, false, 0, 0, 1, tc.framed)))
		if !errors.Is(err, ErrCompressed) || !bytes.Contains([]byte(err.Error()), []byte("compress stub-v2")) {
			t.Errorf("%s: err %v, want ErrCompressed with advice", tc.comp, err)
		}
		if c.Stats().Malformed != 1 {
			t.Errorf("%s: not counted", tc.comp)
		}
	}
}
