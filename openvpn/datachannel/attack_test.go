package datachannel

import (
	"bytes"
	"errors"
	"testing"
)

// TestTamper flips every bit of every byte of a sealed packet and expects
// Open to refuse it — with ErrAuth, except for the opcode/key-id byte,
// which is checked before decryption, and CBC's V2 peer-id, which OpenVPN's
// HMAC does not cover and which the client ignores.
func TestTamper(t *testing.T) {
	for _, s := range allSuites() {
		for _, v2 := range []bool{false, true} {
			client, server := pair(t, s, v2, CompNone)
			wire := sealCopy(t, client, ipPacket(48))
			cbcPeerID := v2 && !client.aead
			for i := range wire {
				for bit := range 8 {
					pkt := withTailroom(wire)
					pkt[i] ^= 1 << bit
					_, _, err := server.Open(pkt)
					switch {
					case i == 0:
						if !errors.Is(err, ErrMalformed) {
							t.Fatalf("%s v2=%v byte 0 bit %d: err %v, want ErrMalformed", s, v2, bit, err)
						}
					case cbcPeerID && i < hdrV2Len:
						// Accepted once: the packet-id is then used up.
						if err != nil && !errors.Is(err, ErrReplay) {
							t.Fatalf("%s v2 peer-id byte %d: err %v", s, i, err)
						}
					default:
						if !errors.Is(err, ErrAuth) {
							t.Fatalf("%s v2=%v byte %d bit %d: err %v, want ErrAuth", s, v2, i, bit, err)
						}
					}
				}
			}
			// The untouched packet still opens: failures left no trace in
			// the replay window (CBC V2 used its id above).
			if !cbcPeerID {
				if _, _, err := server.Open(withTailroom(wire)); err != nil {
					t.Fatalf("%s v2=%v: original after tampering: %v", s, v2, err)
				}
			}
		}
	}
}

// TestTruncated opens every prefix, and the packet with bytes appended, and
// expects an error, not a panic.
func TestTruncated(t *testing.T) {
	for _, s := range allSuites() {
		for _, v2 := range []bool{false, true} {
			client, server := pair(t, s, v2, CompSwap)
			wire := sealCopy(t, client, ipPacket(33))
			for n := range len(wire) {
				for _, tight := range []bool{false, true} {
					pkt := withTailroom(wire[:n])
					if tight {
						pkt = pkt[:n:n]
					}
					if _, _, err := server.Open(pkt); err == nil {
						t.Fatalf("%s v2=%v: %d of %d bytes accepted", s, v2, n, len(wire))
					} else if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrAuth) {
						t.Fatalf("%s v2=%v: %d bytes: unexpected error %v", s, v2, n, err)
					}
				}
			}
			for _, extra := range []int{1, 15, 16} {
				pkt := withTailroom(append(append([]byte{}, wire...), make([]byte, extra)...))
				if _, _, err := server.Open(pkt); err == nil {
					t.Fatalf("%s v2=%v: %d trailing bytes accepted", s, v2, extra)
				}
			}
		}
	}
}

func TestReplay(t *testing.T) {
	for _, s := range []suiteCase{{"AES-256-GCM", ""}, {"CHACHA20-POLY1305", ""}, {"AES-256-CBC", "SHA256"}} {
		client, server := pair(t, s, true, CompNone)
		wires := make([][]byte, 200)
		for i := range wires {
			wires[i] = sealCopy(t, client, ipPacket(60)) // packet-id i+1
		}
		open := func(id int) error {
			_, _, err := server.Open(withTailroom(wires[id-1]))
			return err
		}
		steps := []struct {
			id   int
			want error
		}{
			{1, nil},
			{1, ErrReplay}, // duplicate
			{3, nil},
			{2, nil}, // out of order, in window
			{2, ErrReplay},
			{100, nil},
			{37, nil},        // 63 behind: still in the window
			{36, ErrReplay},  // 64 behind: too old
			{3, ErrReplay},   // seen and too old
			{99, nil},        // in window, unseen
			{100, ErrReplay}, // the newest, again
			{200, nil},       // a jump larger than the window
			{137, nil},       // 63 behind the new maximum
			{136, ErrReplay}, // 64 behind
			{199, nil},
		}
		for _, st := range steps {
			err := open(st.id)
			if (st.want == nil) != (err == nil) || (st.want != nil && !errors.Is(err, st.want)) {
				t.Fatalf("%s: pid %d: err %v, want %v", s, st.id, err, st.want)
			}
		}
	}
}

// TestPacketIDZero sends an authentic packet with id 0, which OpenVPN never
// sends and always rejects.
func TestPacketIDZero(t *testing.T) {
	k := patternKey()
	for _, tc := range []struct {
		cfg  Config
		wire []byte
	}{
		{Config{Cipher: "AES-256-GCM"}, refAEAD(t, "AES-256-GCM", k, false, 0, 0, 0, katPayload)},
		{Config{Cipher: "AES-256-CBC", Auth: "SHA1"}, refCBC(t, 32, "SHA1", k, false, 0, 0, 0, make([]byte, 16), katPayload)},
	} {
		tc.cfg.Send, tc.cfg.Recv = k, k
		c, err := New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Open(withTailroom(tc.wire)); !errors.Is(err, ErrReplay) {
			t.Errorf("%s: pid 0: err %v, want ErrReplay", tc.cfg.Cipher, err)
		}
	}
}

func TestReplayWindow(t *testing.T) {
	var w replayWindow
	for _, st := range []struct {
		id   uint32
		want bool
	}{
		{0, false}, {1, true}, {1, false}, {64, true}, {1, false}, // 1 is 63 behind 64 but was seen
		{2, true}, {65, true}, {1, false}, {2, false}, {0xFFFFFFFF, true}, {0xFFFFFFFF - 63, true},
		{0xFFFFFFFF - 64, false}, {0, false},
	} {
		if got := w.accept(st.id); got != st.want {
			t.Fatalf("accept(%#x) = %v, want %v", st.id, got, st.want)
		}
	}
}

// TestOpenOtherKey rejects packets for another key-id or of another opcode
// before spending any crypto on them.
func TestOpenOtherKey(t *testing.T) {
	client, server := pair(t, suiteCase{"AES-256-GCM", ""}, true, CompNone)
	wire := sealCopy(t, client, ipPacket(40))
	for _, first := range []byte{9<<3 | 2, 6<<3 | 2, 4<<3 | 1, 5<<3 | 1, 0, 0xff} {
		pkt := withTailroom(wire)
		pkt[0] = first
		if _, _, err := server.Open(pkt); !errors.Is(err, ErrMalformed) {
			t.Errorf("first byte %#x: err %v, want ErrMalformed", first, err)
		}
	}
	if _, p, err := server.Open(withTailroom(wire)); err != nil || !bytes.Equal(p, ipPacket(40)) {
		t.Errorf("genuine packet after rejects: %v", err)
	}
}
