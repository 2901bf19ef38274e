//go:build linux

package e2e

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/cvpn/cvpn/openvpn/tlswrap"
)

// Forgeries by a holder of the shared tls-crypt key (any past or present
// user of the profile): control packets that authenticate, so that the
// engine's own rules, not the wrapping, must refuse them. A reset the
// engine took at face value would open a key state the server never
// asked for, and force a reconnect seconds later (issue 14, defect 10); an
// ACK for a message id far outside the receive window would be repeated
// for seconds (defect 11).

// keyedForger wraps control packets as the server does, under tls-crypt:
//
//	op(1) sid(8) pid(4) time(4) tag(32) AES-256-CTR(Ke, IV=tag[:16], body)
//	tag = HMAC-SHA256(Ka, op‖sid‖pid‖time‖body)
//
// with the server's half of the key (half 0: Ke = bytes 0..32, Ka =
// 64..96). A forgery must take a replay id after the newest one the
// client has seen, or its replay window refuses it; but then the
// server's own packet with that id would be refused as a replay in turn,
// and every forgery would cost the server a retransmission (seconds, with
// backoff). So, from its first forgery on, the forger re-wraps each of the
// server's control packets under its own sequence of replay ids, as an
// attacker in the middle holding the key would: the client sees one
// gapless sequence, and the forgeries cost the server nothing.
type keyedForger struct {
	block cipher.Block
	mac   []byte // Ka

	pid, time  uint32 // the newest replay id seen from the server, or sent
	forgedSoft int    // forged SOFT_RESETs sent
	forged     int    // forgeries of all kinds sent
}

// forgeEvery is how many server datagrams pass between two forgeries.
const forgeEvery = 6

func newKeyedForger(t *testing.T, keyFile string) *keyedForger {
	t.Helper()
	text, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	key, err := tlswrap.ParseStaticKey(text)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key[0:32])
	if err != nil {
		t.Fatal(err)
	}
	return &keyedForger{block: block, mac: key[64:96]}
}

// labWrapKey is the lab's tls-crypt key file (lab.New writes it there).
func labWrapKey(dir string) string { return filepath.Join(dir, "wrap.key") }

// tls-crypt offsets: the replay id, the tag, the encrypted body.
const (
	tlsCryptPID  = 9
	tlsCryptTag  = 17
	tlsCryptBody = 49
)

// pass returns a genuine server datagram as the client must receive it:
// until the first forgery as it is, with its replay id noted (in the clear
// in the tls-crypt header); from then on re-wrapped under the forger's
// next replay id.
func (f *keyedForger) pass(pkt []byte) []byte {
	if isData(pkt) || len(pkt) < tlsCryptBody {
		return pkt
	}
	if f.forged == 0 {
		pid, time := binary.BigEndian.Uint32(pkt[tlsCryptPID:]), binary.BigEndian.Uint32(pkt[tlsCryptPID+4:])
		if time > f.time || time == f.time && pid > f.pid {
			f.pid, f.time = pid, time
		}
		return pkt
	}
	body := append([]byte(nil), pkt[tlsCryptBody:]...)
	cipher.NewCTR(f.block, pkt[tlsCryptTag:tlsCryptTag+aes.BlockSize]).XORKeyStream(body, body)
	return f.seal(pkt[0], pkt[1:tlsCryptPID], body)
}

// wrap returns a forged control packet with first byte op, session id sid
// and plain body.
func (f *keyedForger) wrap(op byte, sid, body []byte) []byte {
	f.forged++
	return f.seal(op, sid, body)
}

// seal wraps a control packet under the next replay id.
func (f *keyedForger) seal(op byte, sid, body []byte) []byte {
	f.pid++
	b := append([]byte{op}, sid...)
	b = binary.BigEndian.AppendUint32(b, f.pid)
	b = binary.BigEndian.AppendUint32(b, f.time)
	m := hmac.New(sha256.New, f.mac)
	m.Write(b)
	m.Write(body)
	tag := m.Sum(nil)
	b = append(b, tag...)
	at := len(b)
	b = append(b, body...)
	cipher.NewCTR(f.block, tag[:aes.BlockSize]).XORKeyStream(b[at:], b[at:])
	return b
}

// controlBody is a plain control packet body: the ACK array (acks, and
// the client's session id when there are any), the message id, payload.
func controlBody(acks []uint32, clientSID []byte, mid uint32, payload []byte) []byte {
	b := []byte{byte(len(acks))}
	for _, a := range acks {
		b = binary.BigEndian.AppendUint32(b, a)
	}
	if len(acks) > 0 {
		b = append(b, clientSID...)
	}
	b = binary.BigEndian.AppendUint32(b, mid)
	return append(b, payload...)
}

// nextKey is the key id after k, as both ends number them: 0, then 1..7
// round.
func nextKey(k byte) byte {
	if k == 7 {
		return 1
	}
	return k + 1
}

// farMessageID is a control message id far outside any receive window.
const farMessageID = 3_000_000_000

// forgeKeyed sends one forgery of the next kind in turn; a.mu is held and
// a knows the server's headers and key (dataHdr, ctrlHdr, clientSID).
func (a *attacker) forgeKeyed(send func([]byte)) {
	f := a.keyed
	sid := a.ctrlHdr[1:9]
	// The data channel's key id is the client's current key (or its
	// predecessor, just after a renegotiation), so the ids three to five
	// after it are never the one the client expects next.
	cur := a.dataHdr[0] & 7
	far := cur
	for range 3 + f.forged%3 {
		far = nextKey(far)
	}
	switch f.forged % 5 {
	case 0, 1, 2:
		f.forgedSoft++
		send(f.wrap(opSoftResetV1<<3|far, sid, controlBody(nil, nil, 0, nil)))
	case 3: // the server's session restarting, or another server's
		if f.forged%2 == 1 {
			sid = a.random(8)
		}
		send(f.wrap(opHardResetServerV2<<3, sid, controlBody([]uint32{0}, a.clientSID, 0, nil)))
	case 4: // a message of the current key, far outside the window
		send(f.wrap(opControlV1<<3|cur, sid, controlBody(nil, nil, farMessageID, a.random(64))))
	}
}
