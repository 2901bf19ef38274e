//go:build !linux

package openvpn

// newSlab returns n buffers of size bytes from the heap (see slab.go).
func newSlab(n, size int) (bufs [][]byte, free func()) {
	return heapSlab(n, size), func() {}
}
