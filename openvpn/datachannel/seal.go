package datachannel

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// Seal encrypts the payload at buf[off:off+n] in place and returns the wire
// packet, a sub-slice of buf[:cap(buf)] that starts before off and may end
// after off+n. Its offset in buf is cap(buf)-cap(wire), and at least
// TCPPrefixRoom bytes in front of it are free when off ≥ Headroom, so a
// stream transport can write its length prefix there without copying.
//
// buf needs Headroom bytes before the payload and Tailroom bytes of capacity
// after it (the exact need is smaller and is what is checked); anything in
// those regions is overwritten. Seal is safe for concurrent use and does not
// allocate.
//
// Seal fails with ErrPacketIDExhausted once 2^32-1 packets were sent: the
// next one would reuse a nonce. NeedsRekey says when to replace the key
// well before that.
func (c *Channel) Seal(buf []byte, off, n int) ([]byte, error) {
	if n <= 0 {
		return nil, errSealEmpty
	}
	if off < c.headMin || n > cap(buf)-c.tailMin-off {
		return nil, errSealRoom
	}
	id := c.lastPID.Add(1)
	if id > pidMaximum {
		return nil, errSealPID
	}
	b := buf[:cap(buf)]
	start, end := c.comp.frame(b, off, n)
	var wire []byte
	if c.aead {
		wire = c.sealAEAD(b, start, end, uint32(id))
	} else {
		wire = c.sealCBC(b, start, end, uint32(id))
	}
	c.pktsOut.Add(1)
	c.octsOut.Add(uint64(len(wire)))
	return wire, nil
}

// sealAEAD builds hdr ‖ pid ‖ tag ‖ ciphertext around b[start:end].
func (c *Channel) sealAEAD(b []byte, start, end int, id uint32) []byte {
	tagOff := start - tagLen
	pidOff := tagOff - pidLen
	hdrOff := pidOff - c.hdrLen
	copy(b[hdrOff:pidOff], c.hdr[:c.hdrLen])
	binary.BigEndian.PutUint32(b[pidOff:tagOff], id)

	// The nonce lives in the tag slot until the tag overwrites it: a local
	// array handed to the AEAD interface would escape to the heap.
	nonce := b[tagOff : tagOff+pidLen+implIVLen]
	copy(nonce, b[pidOff:tagOff])
	copy(nonce[pidLen:], c.sendIV[:])

	// OpenVPN authenticates the P_DATA_V2 header with the packet-id, but not
	// the one-byte P_DATA_V1 opcode (crypto.c openvpn_encrypt_aead: the AD is
	// whatever forward.c:encrypt_sign put in the work buffer first).
	aad := b[pidOff:tagOff]
	if c.hdrLen == hdrV2Len {
		aad = b[hdrOff:tagOff]
	}
	sealed := c.sendAEAD.Seal(b[start:start], nonce, b[start:end], aad)
	copy(b[tagOff:start], sealed[end-start:])
	return b[hdrOff:end]
}

// sealCBC builds hdr ‖ HMAC ‖ IV ‖ E(pid ‖ payload ‖ padding) around
// b[start:end] (crypto.c openvpn_encrypt_v1, short-form packet-id).
func (c *Channel) sealCBC(b []byte, start, end int, id uint32) []byte {
	pidOff := start - pidLen
	ivOff := pidOff - ivLen
	macOff := ivOff - c.macLen
	hdrOff := macOff - c.hdrLen
	binary.BigEndian.PutUint32(b[pidOff:start], id)
	pad := blockSize - (end-pidOff)%blockSize // PKCS#7: always 1..16 bytes
	for i := end; i < end+pad; i++ {
		b[i] = byte(pad)
	}
	ctEnd := end + pad

	iv := b[ivOff:pidOff]
	clear(iv[:ivLen-pidLen])
	binary.BigEndian.PutUint32(iv[ivLen-pidLen:], id)
	c.ivBlock.Encrypt(iv, iv)
	cbcEncrypt(c.sendBlock, b[ivOff:ctEnd])

	s := c.sealers.Get().(*cbcSealer)
	s.mac.Reset()
	s.mac.Write(b[ivOff:ctEnd])
	copy(b[macOff:ivOff], s.mac.Sum(s.sum[:0]))
	c.sealers.Put(s)

	copy(b[hdrOff:macOff], c.hdr[:c.hdrLen])
	return b[hdrOff:ctEnd]
}

// cbcEncrypt encrypts data[16:] in place in CBC mode with data[:16] as the
// IV. cipher.NewCBCEncrypter would allocate per packet and keeps the IV as
// mutable state; on amd64 and arm64 it runs this same block-at-a-time loop.
func cbcEncrypt(blk cipher.Block, data []byte) {
	for i := blockSize; i < len(data); i += blockSize {
		cur := data[i : i+blockSize]
		subtle.XORBytes(cur, cur, data[i-blockSize:i])
		blk.Encrypt(cur, cur)
	}
}

// cbcDecrypt decrypts data[16:] in place in CBC mode with data[:16] as the
// IV. It walks backwards so that each block's predecessor is still
// ciphertext when it is needed.
func cbcDecrypt(blk cipher.Block, data []byte) {
	for i := len(data) - blockSize; i >= blockSize; i -= blockSize {
		cur := data[i : i+blockSize]
		blk.Decrypt(cur, cur)
		subtle.XORBytes(cur, cur, data[i-blockSize:i])
	}
}
