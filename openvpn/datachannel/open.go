package datachannel

import (
	"crypto/hmac"
	"encoding/binary"
)

// Open authenticates and decrypts a received data packet in place, checks
// its packet-id against the replay window, strips the compression framing
// and says what the payload is: an IP packet (KindData), a keepalive
// (KindPing) or an OCC message (KindOCC, payload starting with the opcode).
// The payload aliases pkt.
//
// pkt starts with the opcode/key-id byte; the caller picks the Channel by
// that key-id. Open may use up to 16 bytes of pkt's spare capacity (it
// moves the AEAD tag behind the ciphertext there), as append would; pass a
// three-index slice if those bytes belong to someone else. With less spare
// capacity it still works, at the cost of moving the ciphertext.
//
// The replay check runs only after authentication, so forged packets cannot
// poison the window. Errors wrap ErrAuth, ErrReplay, ErrMalformed or
// ErrCompressed, and the pkt contents are undefined afterwards. Open never
// panics and does not allocate.
//
// Open is not safe for concurrent use: one goroutine receives for a key.
func (c *Channel) Open(pkt []byte) (Kind, []byte, error) {
	kind, payload, err := c.open(pkt)
	switch err {
	case nil:
		c.pktsIn.Add(1)
		c.octsIn.Add(uint64(len(pkt)))
	case errOpenTag, errOpenHMAC:
		c.authFail.Add(1)
	case errOpenReplay:
		c.replays.Add(1)
	default:
		c.badPkts.Add(1)
	}
	return kind, payload, err
}

func (c *Channel) open(pkt []byte) (Kind, []byte, error) {
	if len(pkt) == 0 {
		return 0, nil, errOpenShort
	}
	var hdrLen int
	switch pkt[0] >> 3 {
	case opDataV1:
		hdrLen = hdrV1Len
	case opDataV2:
		// Accepted whichever format we send: the AAD follows the packet.
		// The peer-id is covered by the AEAD tag and otherwise ignored, as
		// a 2.6 client does.
		hdrLen = hdrV2Len
	default:
		return 0, nil, errOpenOpcode
	}
	if pkt[0]&keyIDMask != c.keyID {
		return 0, nil, errOpenKeyID
	}
	var (
		id      uint32
		payload []byte
		err     error
	)
	if c.aead {
		id, payload, err = c.openAEAD(pkt, hdrLen)
	} else {
		id, payload, err = c.openCBC(pkt, hdrLen)
	}
	if err != nil {
		return 0, nil, err
	}
	if !c.window.accept(id) {
		return 0, nil, errOpenReplay
	}
	if payload, err = c.comp.unframe(payload); err != nil {
		return 0, nil, err
	}
	if len(payload) == 0 {
		return 0, nil, errOpenEmpty
	}
	return classify(payload)
}

// openAEAD verifies and decrypts hdr ‖ pid ‖ tag ‖ ct and returns the
// packet-id and plaintext.
func (c *Channel) openAEAD(pkt []byte, hdrLen int) (uint32, []byte, error) {
	// OpenVPN refuses an empty ciphertext ("missing payload").
	if len(pkt) < hdrLen+pidLen+tagLen+1 {
		return 0, nil, errOpenShort
	}
	tagOff := hdrLen + pidLen
	ctOff := tagOff + tagLen
	aad := pkt[hdrLen:tagOff]
	if hdrLen == hdrV2Len {
		aad = pkt[:tagOff]
	}
	copy(c.nonce[:pidLen], pkt[hdrLen:tagOff])

	var sealed []byte // ct ‖ tag, as Go's AEADs want it
	if end := len(pkt); cap(pkt)-end >= tagLen {
		full := pkt[:end+tagLen]
		copy(full[end:], pkt[tagOff:ctOff])
		sealed = full[ctOff:]
	} else {
		copy(c.tagSpare[:], pkt[tagOff:ctOff])
		copy(pkt[tagOff:], pkt[ctOff:])
		copy(pkt[end-tagLen:], c.tagSpare[:])
		sealed = pkt[tagOff:]
	}
	pt, err := c.recvAEAD.Open(sealed[:0], c.nonce[:], sealed, aad)
	if err != nil {
		return 0, nil, errOpenTag
	}
	return binary.BigEndian.Uint32(pkt[hdrLen:tagOff]), pt, nil
}

// openCBC verifies and decrypts hdr ‖ HMAC ‖ IV ‖ E(pid ‖ payload ‖ pad).
func (c *Channel) openCBC(pkt []byte, hdrLen int) (uint32, []byte, error) {
	if len(pkt) < hdrLen+c.macLen+ivLen+blockSize {
		return 0, nil, errOpenShort
	}
	mac := pkt[hdrLen : hdrLen+c.macLen]
	body := pkt[hdrLen+c.macLen:] // IV ‖ ciphertext, what the HMAC covers
	if len(body)%blockSize != 0 {
		return 0, nil, errOpenBlocks
	}
	c.recvMAC.Reset()
	c.recvMAC.Write(body)
	if !hmac.Equal(c.recvMAC.Sum(c.macSum[:0]), mac) {
		return 0, nil, errOpenHMAC
	}
	cbcDecrypt(c.recvBlock, body)
	pt := body[ivLen:]
	// Encrypt-then-MAC: the padding is only looked at once the HMAC proved
	// the peer wrote it, so its check need not be constant-time.
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > blockSize {
		return 0, nil, errOpenPadding
	}
	for _, x := range pt[len(pt)-pad:] {
		if int(x) != pad {
			return 0, nil, errOpenPadding
		}
	}
	pt = pt[:len(pt)-pad]
	if len(pt) < pidLen {
		return 0, nil, errOpenShort
	}
	return binary.BigEndian.Uint32(pt), pt[pidLen:], nil
}
