package openvpn

import "golang.org/x/sys/unix"

// newSlab maps n buffers of size bytes outside the Go heap (see slab.go).
// free unmaps them: only the goroutine that uses the buffers calls it, as
// it returns, and nothing it handed them to keeps them (transports and
// the device copy, control packets are copied out). If the mapping fails
// the slab comes from the heap.
func newSlab(n, size int) (bufs [][]byte, free func()) {
	mem, err := unix.Mmap(-1, 0, n*size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return heapSlab(n, size), func() {}
	}
	return carve(mem, n, size), func() { _ = unix.Munmap(mem) }
}
