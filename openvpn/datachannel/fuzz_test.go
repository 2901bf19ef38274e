package datachannel

import (
	"testing"
)

// FuzzOpen feeds arbitrary bytes to Open under every cipher family and
// framing. Open must return an error or a payload inside the packet, never
// panic. The seeds (valid packets, their prefixes, and odd shapes) run as
// part of go test.
func FuzzOpen(f *testing.F) {
	type target struct{ client, server *Channel }
	var targets []target
	for _, s := range []suiteCase{{"AES-128-GCM", ""}, {"CHACHA20-POLY1305", ""}, {"AES-256-CBC", "SHA1"}, {"AES-128-CBC", "SHA512"}} {
		for i, comp := range allComps {
			c, sv := pair(f, s, i%2 == 0, comp)
			targets = append(targets, target{c, sv})
		}
	}
	for i, tg := range targets {
		for _, n := range []int{1, 16, 64, 1400} {
			wire := sealCopy(f, tg.client, ipPacket(n))
			f.Add(uint8(i), false, wire)
			f.Add(uint8(i), true, wire[:len(wire)/2])
		}
		var p [PingSize]byte
		f.Add(uint8(i), false, sealCopy(f, tg.client, p[:PutPing(p[:])]))
	}
	f.Add(uint8(0), false, []byte{})
	f.Add(uint8(1), false, []byte{6 << 3})
	f.Add(uint8(2), true, []byte{9<<3 | 1, 0, 0, 0})
	f.Add(uint8(3), false, make([]byte, 100))

	f.Fuzz(func(t *testing.T, which uint8, tight bool, data []byte) {
		tg := targets[int(which)%len(targets)]
		pkt := withTailroom(data)
		if tight {
			pkt = pkt[:len(pkt):len(pkt)]
		}
		kind, payload, err := tg.server.Open(pkt)
		if err != nil {
			if payload != nil || kind != 0 {
				t.Fatalf("error %v with kind %v payload %x", err, kind, payload)
			}
			return
		}
		if len(payload) == 0 || len(payload) > len(pkt) {
			t.Fatalf("payload of %d bytes from a %d-byte packet", len(payload), len(pkt))
		}
	})
}

// FuzzSealOpen seals arbitrary payloads and opens them at the peer, which
// drives the framing and classification code with authentic packets.
func FuzzSealOpen(f *testing.F) {
	var targets [][2]*Channel
	for _, s := range []suiteCase{{"AES-256-GCM", ""}, {"AES-192-CBC", "SHA256"}} {
		for i, comp := range allComps {
			c, sv := pair(f, s, i%2 == 1, comp)
			targets = append(targets, [2]*Channel{c, sv})
		}
	}
	f.Add(uint8(0), []byte{0x45, 0, 0, 20})
	f.Add(uint8(3), []byte{0x50})
	f.Add(uint8(5), []byte{0x50, 0x00, 0x01})
	f.Add(uint8(6), append(append([]byte{}, pingMagic[:]...), 0))
	f.Add(uint8(7), append(append([]byte{}, occMagic[:]...), OCCExit))
	f.Add(uint8(1), occMagic[:])

	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		if len(payload) == 0 || len(payload) > 9000 {
			return
		}
		tg := targets[int(which)%len(targets)]
		wantKind, want, wantErr := classify(append([]byte{}, payload...))
		kind, got, err := tg[1].Open(sealCopy(t, tg[0], payload))
		if wantErr != nil {
			if err == nil {
				t.Fatalf("opened %x, which has no valid classification", payload)
			}
			return
		}
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if kind != wantKind || string(got) != string(want) {
			t.Fatalf("got %v %x, want %v %x", kind, got, wantKind, want)
		}
	})
}
