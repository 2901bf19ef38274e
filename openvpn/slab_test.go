package openvpn

import "testing"

// TestNewSlab: every buffer has its own size bytes, writing one to its
// capacity leaves its neighbours alone, and appending to one reallocates
// rather than spilling into the next.
func TestNewSlab(t *testing.T) {
	for _, tt := range []struct{ n, size int }{{1, 1}, {1, 65663}, {3, 4096}, {128, 65663}} {
		bufs, free := newSlab(tt.n, tt.size)
		if len(bufs) != tt.n {
			t.Fatalf("newSlab(%d, %d): %d buffers", tt.n, tt.size, len(bufs))
		}
		for i, b := range bufs {
			if len(b) != tt.size || cap(b) != tt.size {
				t.Fatalf("newSlab(%d, %d): buffer %d len %d cap %d", tt.n, tt.size, i, len(b), cap(b))
			}
			for j := range b {
				b[j] = byte(i)
			}
		}
		for i, b := range bufs {
			if b[0] != byte(i) || b[len(b)-1] != byte(i) {
				t.Errorf("newSlab(%d, %d): buffer %d overwritten by a neighbour", tt.n, tt.size, i)
			}
		}
		if tt.n > 1 {
			grown := append(bufs[0], 0xff)
			if bufs[1][0] != 1 || &grown[0] == &bufs[0][0] {
				t.Errorf("newSlab(%d, %d): append to buffer 0 wrote into buffer 1", tt.n, tt.size)
			}
		}
		free()
	}
}

func TestNetBuffers(t *testing.T) {
	full, bufs, free := netBuffers(4)
	defer free()
	for i := range full {
		if cap(full[i])-cap(bufs[i]) != tunOffset {
			t.Errorf("buffer %d: read part starts %d bytes in, want %d", i, cap(full[i])-cap(bufs[i]), tunOffset)
		}
		if len(bufs[i]) != maxIPPacket {
			t.Errorf("buffer %d: read part holds %d bytes, want %d", i, len(bufs[i]), maxIPPacket)
		}
	}
}
