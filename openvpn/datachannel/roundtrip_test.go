package datachannel

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	sizes := []int{1, 2, 11, 15, 16, 17, 31, 32, 100, 1400, 1500}
	for _, s := range allSuites() {
		for _, v2 := range []bool{false, true} {
			for _, comp := range allComps {
				t.Run(fmt.Sprintf("%s/v2=%v/%s", s, v2, comp), func(t *testing.T) {
					client, server := pair(t, s, v2, comp)
					for _, n := range sizes {
						for _, first := range []byte{0x45, 0x60, v2Indicator, swapUncompressed, lzoUncompressed} {
							payload := ipPacket(n)
							payload[0] = first
							// Both directions, each through its own keys.
							for _, dir := range []struct{ from, to *Channel }{{client, server}, {server, client}} {
								wire := sealCopy(t, dir.from, payload)
								if len(wire) > n+dir.from.Overhead() {
									t.Fatalf("n=%d: wire %d bytes exceeds n+Overhead %d", n, len(wire), n+dir.from.Overhead())
								}
								kind, got, err := dir.to.Open(wire)
								if err != nil {
									t.Fatalf("n=%d first=%#x: open: %v", n, first, err)
								}
								if kind != KindData || !bytes.Equal(got, payload) {
									t.Fatalf("n=%d first=%#x: got %v %x, want data %x", n, first, kind, got, payload)
								}
							}
						}
					}
				})
			}
		}
	}
}

func TestHeaderFormat(t *testing.T) {
	for _, s := range []suiteCase{{"AES-256-GCM", ""}, {"AES-256-CBC", "SHA256"}} {
		client, _ := pair(t, s, true, CompNone)
		wire := sealCopy(t, client, ipPacket(40))
		if want := []byte{9<<3 | 1, 0x12, 0x34, 0x56}; !bytes.Equal(wire[:4], want) {
			t.Errorf("%s v2 header = %x, want %x", s, wire[:4], want)
		}
		client, _ = pair(t, s, false, CompNone)
		wire = sealCopy(t, client, ipPacket(40))
		if wire[0] != 6<<3|1 {
			t.Errorf("%s v1 header = %#x, want %#x", s, wire[0], 6<<3|1)
		}
	}
}

func TestPingAndOCC(t *testing.T) {
	for _, comp := range allComps {
		client, server := pair(t, suiteCase{"AES-256-GCM", ""}, true, comp)
		var p [OCCExitSize + 1]byte
		wire := sealCopy(t, client, p[:PutPing(p[:])])
		kind, got, err := server.Open(wire)
		if err != nil || kind != KindPing || len(got) != PingSize {
			t.Errorf("%s ping: kind %v len %d err %v", comp, kind, len(got), err)
		}
		wire = sealCopy(t, client, p[:PutOCCExit(p[:])])
		kind, got, err = server.Open(wire)
		if err != nil || kind != KindOCC || len(got) != 1 || got[0] != OCCExit {
			t.Errorf("%s occ exit: kind %v payload %x err %v", comp, kind, got, err)
		}
		// The magic is matched exactly: one byte more is not a ping.
		PutPing(p[:])
		wire = sealCopy(t, client, p[:PingSize+1])
		if kind, _, _ := server.Open(wire); kind != KindData {
			t.Errorf("%s 17-byte ping-prefixed payload classified %v, want data", comp, kind)
		}
		// The bare OCC magic has no opcode.
		copy(p[:], occMagic[:])
		wire = sealCopy(t, client, p[:len(occMagic)])
		if _, _, err := server.Open(wire); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s occ without opcode: err %v, want ErrMalformed", comp, err)
		}
	}
}

// TestOpenWithoutTailroom covers the fallback that moves the ciphertext
// when the packet has no spare capacity for the tag.
func TestOpenWithoutTailroom(t *testing.T) {
	for _, s := range allSuites() {
		client, server := pair(t, s, true, CompNone)
		payload := ipPacket(300)
		wire := sealCopy(t, client, payload)
		tight := append([]byte(nil), wire...)
		tight = tight[:len(tight):len(tight)]
		kind, got, err := server.Open(tight)
		if err != nil || kind != KindData || !bytes.Equal(got, payload) {
			t.Errorf("%s: kind %v err %v equal %v", s, kind, err, bytes.Equal(got, payload))
		}
	}
}

func TestSealRoom(t *testing.T) {
	// The worst case: CBC with SHA512, P_DATA_V2, swap framing at the end
	// and a full block of padding.
	client, server := pair(t, suiteCase{"AES-256-CBC", "SHA512"}, true, CompV2)
	for _, comp := range allComps {
		client.comp, server.comp = comp, comp
		for _, n := range []int{1, 16, 1400} {
			payload := ipPacket(n)
			payload[0] = v2Indicator
			buf := make([]byte, Headroom+n, Headroom+n+Tailroom)
			copy(buf[Headroom:], payload)
			wire, err := client.Seal(buf, Headroom, n)
			if err != nil {
				t.Fatalf("%s n=%d: %v", comp, n, err)
			}
			if start := cap(buf) - cap(wire); start < TCPPrefixRoom {
				t.Errorf("%s n=%d: wire starts at %d, want ≥ %d", comp, n, start, TCPPrefixRoom)
			}
			if _, got, err := server.Open(withTailroom(wire)); err != nil || !bytes.Equal(got, payload) {
				t.Errorf("%s n=%d: open: %v", comp, n, err)
			}
		}
	}
	payload := ipPacket(100)
	for _, tc := range []struct {
		name      string
		off, n    int
		size, cap int
	}{
		{"no headroom", 0, 100, 100, 200},
		{"short headroom", client.headMin - 1, 100, 200, 300},
		{"no tailroom", Headroom, 100, Headroom + 100, Headroom + 100},
		{"short tailroom", Headroom, 100, Headroom + 100, Headroom + 100 + client.tailMin - 1},
		{"negative offset", -1, 100, 200, 300},
		{"payload beyond cap", Headroom, 1 << 20, 200, 300},
	} {
		buf := make([]byte, tc.size, tc.cap)
		if tc.off >= 0 && tc.off < len(buf) {
			copy(buf[tc.off:], payload)
		}
		if _, err := client.Seal(buf, tc.off, tc.n); !errors.Is(err, ErrNoRoom) {
			t.Errorf("%s: err %v, want ErrNoRoom", tc.name, err)
		}
	}
	if _, err := client.Seal(make([]byte, 200), Headroom, 0); err == nil {
		t.Error("empty payload sealed")
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		want    error
		mention string
	}{
		{"unknown cipher", Config{Cipher: "BF-CBC"}, ErrUnsupportedCipher, "BF-CBC"},
		{"empty cipher", Config{}, ErrUnsupportedCipher, `""`},
		{"unknown auth", Config{Cipher: "AES-256-CBC", Auth: "MD5"}, ErrUnsupportedAuth, "MD5"},
		{"key id", Config{Cipher: "AES-256-GCM", KeyID: 8}, nil, "key id 8"},
		{"peer id", Config{Cipher: "AES-256-GCM", UsePeerID: true, PeerID: 1 << 24}, nil, "peer-id"},
		{"compression", Config{Cipher: "AES-256-GCM", Compression: 9}, nil, "compression"},
	} {
		_, err := New(tc.cfg)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: err %v, want %v mentioning %s", tc.name, err, tc.want, tc.mention)
		}
	}
	for _, name := range []string{"aes-256-gcm", "ChaCha20-Poly1305", "aes-128-cbc"} {
		if _, err := New(Config{Cipher: name, Auth: "sha256"}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// AEAD ignores the digest; CBC defaults to SHA1, OpenVPN's default.
	if _, err := New(Config{Cipher: "AES-256-GCM", Auth: "whatever"}); err != nil {
		t.Errorf("aead with odd auth: %v", err)
	}
	c, err := New(Config{Cipher: "AES-256-CBC"})
	if err != nil || c.macLen != 20 {
		t.Errorf("cbc default digest: mac %d err %v", c.macLen, err)
	}
}

func TestPacketIDLimits(t *testing.T) {
	client, server := pair(t, suiteCase{"AES-128-GCM", ""}, true, CompNone)
	if client.NeedsRekey() {
		t.Fatal("fresh key needs rekey")
	}
	client.lastPID.Store(RekeyPacketID - 2)
	sealCopy(t, client, ipPacket(20)) // RekeyPacketID-1
	if client.NeedsRekey() {
		t.Fatal("needs rekey before the threshold")
	}
	sealCopy(t, client, ipPacket(20))
	if !client.NeedsRekey() {
		t.Fatal("no rekey at the threshold")
	}
	client.lastPID.Store(pidMaximum - 1)
	wire := sealCopy(t, client, ipPacket(20)) // the last id, 0xFFFFFFFF
	if _, _, err := server.Open(wire); err != nil {
		t.Fatalf("open last id: %v", err)
	}
	for range 3 {
		buf := make([]byte, Headroom+20, Headroom+20+Tailroom)
		if _, err := client.Seal(buf, Headroom, 20); !errors.Is(err, ErrPacketIDExhausted) {
			t.Fatalf("seal past 0xFFFFFFFF: err %v", err)
		}
	}
}

func TestStats(t *testing.T) {
	client, server := pair(t, suiteCase{"AES-256-GCM", ""}, false, CompNone)
	wire := sealCopy(t, client, ipPacket(100))
	dup := withTailroom(wire)
	bad := withTailroom(wire)
	bad[len(bad)-1] ^= 1
	server.Open(bad)
	server.Open(wire)
	server.Open(dup)
	server.Open([]byte{0xff})
	cs, ss := client.Stats(), server.Stats()
	if cs.PacketsOut != 1 || cs.BytesOut != uint64(len(wire)) {
		t.Errorf("client stats %+v", cs)
	}
	want := Stats{PacketsIn: 1, BytesIn: uint64(len(wire)), AuthFailures: 1, Replays: 1, Malformed: 1}
	if ss != want {
		t.Errorf("server stats %+v, want %+v", ss, want)
	}
}
