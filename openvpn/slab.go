package openvpn

import "github.com/cvpn/cvpn/openvpn/datachannel"

// The data path's packet buffers. Each loop owns one slab of n buffers
// of 64 KiB (so the TUN's and the socket's offloads can hand over whole
// bursts), allocated when the loop starts and freed when it returns.
//
// On Linux the slab is an anonymous mapping outside the Go heap
// (slab_linux.go): the kernel supplies zeroed pages only where a packet
// is actually written (a page or two per buffer in practice, not 64 KiB),
// the mapping costs one system call, and it is returned to the OS the
// moment the loop ends. Out of the heap it also starts no garbage
// collection and needs no zeroing: a slab carved from memory the service
// had freed earlier is cleared by the runtime first, page by page, which
// cost milliseconds in the middle of a connect. Elsewhere the slab comes
// from the heap (slab_other.go).

// carve cuts mem into n buffers of size bytes; each buffer's capacity
// ends where the next begins.
func carve(mem []byte, n, size int) [][]byte {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = mem[i*size : (i+1)*size : (i+1)*size]
	}
	return bufs
}

// heapSlab returns n buffers of size bytes from one heap allocation.
func heapSlab(n, size int) [][]byte {
	return carve(make([]byte, n*size), n, size)
}

// netBuffers returns n receive buffers for readNet, and the function that
// frees them: full[i] is the whole buffer, bufs[i] the part a packet is
// read into, tunOffset bytes in so a decrypted payload can be handed to
// the device in place; Open may use the spare capacity after a packet
// for the AEAD tag.
func netBuffers(n int) (full, bufs [][]byte, free func()) {
	full, free = newSlab(n, tunOffset+maxIPPacket+datachannel.Tailroom)
	bufs = make([][]byte, n)
	for i := range full {
		bufs[i] = full[i][tunOffset : tunOffset+maxIPPacket]
	}
	return full, bufs, free
}
