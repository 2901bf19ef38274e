package keys

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"hash"
	"strings"
	"testing"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex in test: %v", err)
	}
	return b
}

// seqBytes returns n bytes counting up from start (mod 256).
func seqBytes(start, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(start + i)
	}
	return b
}

// TestPRFVectors checks PRF against vectors produced by other
// implementations:
//
//   - "openvpn unit test": OpenVPN 2.6's own tests/unit_tests/openvpn/
//     test_crypto.c (crypto_test_tls_prf). Its 117-byte secret has an odd
//     length, which exercises the shared middle byte of S1 and S2.
//   - "gnutls": TLS 1.0 master-secret and key-block derivations captured from
//     GnuTLS (gnutls-cli -d 9), as published in Go's crypto/tls tests. TLS
//     1.0's master secret is PRF(pre_master, "master secret", client_random ‖
//     server_random)[:48] and its key block PRF(master, "key expansion",
//     server_random ‖ client_random).
func TestPRFVectors(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		seed   []byte
		want   []byte
	}{
		{
			name: "openvpn unit test",
			secret: []byte("Lorem ipsum dolor sit amet, consectetur " +
				"adipisici elit, sed eiusmod tempor incidunt " +
				"ut labore et dolore magna aliqua."),
			seed: []byte("Quis aute iure reprehenderit in voluptate velit esse cillum dolore"),
			want: mustHex(t, "d98c8518c85e946927916acfc2d592fbb1567e4b4b1459e6a904ac2ddab72d67"),
		},
		{
			name:   "gnutls master secret",
			secret: mustHex(t, "0302cac83ad4b1db3b9ab49ad05957de2a504a634a386fc600889321e1a971f57479466830ac3e6f468e87f5385fa0c5"),
			seed: append([]byte("master secret"), mustHex(t,
				"4ae66303755184a3917fcb44880605fcc53baa01912b22ed94473fc69cebd558"+
					"4ae663020ec16e6bb5130be918cfcafd4d765979a3136a5d50c593446e4e44db")...),
			want: mustHex(t, "3d851bab6e5556e959a16bc36d66cfae32f672bfa9ecdef6096cbb1b23472df1da63dbbd9827606413221d149ed08ceb"),
		},
		{
			// key block = client MAC(20) ‖ server MAC(20) ‖ client key(16) ‖ server key(16)
			name:   "gnutls key block",
			secret: mustHex(t, "3d851bab6e5556e959a16bc36d66cfae32f672bfa9ecdef6096cbb1b23472df1da63dbbd9827606413221d149ed08ceb"),
			seed: append([]byte("key expansion"), mustHex(t,
				"4ae663020ec16e6bb5130be918cfcafd4d765979a3136a5d50c593446e4e44db"+
					"4ae66303755184a3917fcb44880605fcc53baa01912b22ed94473fc69cebd558")...),
			want: mustHex(t, "805aaa19b3d2c0a0759a4b6c9959890e08480119"+
				"2d22f9fe519c075c16448305ceee209fc24ad109"+
				"d50b5771244f850cd8117a9ccafe2cf1"+
				"e076e33206b30507a85c32855acd0919"),
		},
		{
			name:   "gnutls long secret",
			secret: mustHex(t, "832d515f1d61eebb2be56ba0ef79879efb9b527504abb386fb4310ed5d0e3b1f220d3bb6b455033a2773e6d8bdf951d278a187482b400d45deb88a5d5a6bb7d6a7a1decc04eb9ef0642876cd4a82d374d3b6ff35f0351dc5d411104de431375355addc39bfb1f6329fb163b0bc298d658338930d07d313cd980a7e3d9196cac1"),
			seed: append([]byte("master secret"), mustHex(t,
				"4ae663b2ee389c0de147c509d8f18f5052afc4aaf9699efe8cb05ece883d3a5e"+
					"4ae664d503fd4cff50cfc1fb8fc606580f87b0fcdac9554ba0e01d785bdf278e")...),
			want: mustHex(t, "1aff2e7a2c4279d0126f57a65a77a8d9d0087cf2733366699bec27eb53d5740705a8574bb1acc2abbe90e44f0dd28d6c"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]byte, len(tt.want))
			PRF(got, tt.secret, tt.seed)
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("PRF = %x\nwant  %x", got, tt.want)
			}
		})
	}
}

// rfc2246PRF is a second, deliberately naive transcription of RFC 2246 §5,
// written from the RFC's text rather than from PRF: it computes whole
// iterations, concatenates, and truncates at the end.
func rfc2246PRF(secret, seed []byte, n int) []byte {
	pHashNaive := func(h func() hash.Hash, s []byte) []byte {
		var out []byte
		a := seed
		for len(out) < n {
			m := hmac.New(h, s)
			m.Write(a)
			a = m.Sum(nil)
			m = hmac.New(h, s)
			m.Write(a)
			m.Write(seed)
			out = m.Sum(out)
		}
		return out[:n]
	}
	ls := (len(secret) + 1) / 2
	md := pHashNaive(md5.New, secret[:ls])
	sh := pHashNaive(sha1.New, secret[len(secret)-ls:])
	for i := range md {
		md[i] ^= sh[i]
	}
	return md
}

func TestPRFMatchesRFCConstruction(t *testing.T) {
	for _, secretLen := range []int{0, 1, 2, 15, 16, 17, 48, 64, 117} {
		for _, outLen := range []int{0, 1, 16, 20, 21, 48, 100, 256} {
			secret := seqBytes(secretLen, secretLen)
			seed := []byte("seed for an independent check")
			got := make([]byte, outLen)
			PRF(got, secret, seed)
			if want := rfc2246PRF(secret, seed, outLen); !bytes.Equal(got, want) {
				t.Errorf("secret %d, out %d: PRF = %x, RFC construction = %x", secretLen, outLen, got, want)
			}
		}
	}
}

// TestDerivePRFVector checks the whole legacy derivation against a vector
// computed by a different route: OpenSSL 3's TLS1-PRF KDF with MD5-SHA1,
// which is what OpenVPN 2.6 itself calls (crypto_openssl.c:ssl_tls1_PRF).
// With PM=00..2f, CR1=40..5f, CR2=60..7f, SR1=80..9f, SR2=a0..bf,
// CSID=c0..c7, SSID=d0..d7 (hex, counting up), regenerate with:
//
//	openssl kdf -keylen 48 -kdfopt digest:MD5-SHA1 -kdfopt hexsecret:$PM \
//	    -kdfopt hexseed:$(hex "OpenVPN master secret")$CR1$SR1 TLS1-PRF
//	openssl kdf -keylen 256 -kdfopt digest:MD5-SHA1 -kdfopt hexsecret:$MASTER \
//	    -kdfopt hexseed:$(hex "OpenVPN key expansion")$CR2$SR2$CSID$SSID TLS1-PRF
func TestDerivePRFVector(t *testing.T) {
	var c ClientSource
	var s ServerSource
	var csid, ssid SessionID
	copy(c.PreMaster[:], seqBytes(0x00, PreMasterSize))
	copy(c.Random1[:], seqBytes(0x40, RandomSize))
	copy(c.Random2[:], seqBytes(0x60, RandomSize))
	copy(s.Random1[:], seqBytes(0x80, RandomSize))
	copy(s.Random2[:], seqBytes(0xa0, RandomSize))
	copy(csid[:], seqBytes(0xc0, SessionIDSize))
	copy(ssid[:], seqBytes(0xd0, SessionIDSize))

	want := mustHex(t, `
		079cd169033e6b666bc8939b340644fd889f83ba6ba431520ee44ab8b5563500
		9de4dbf71f5a2d99dbfd8aaa380bf86ab6d14d361ea47df57e177b107e536680
		aa80a72652cde4cfb1ac7debf1bc606dac051827217214b41dc7be4cabce99c7
		45cad805c6f8feefa0f54201722fb1df0d75108e0a5041a5a8b1f3929aa33e55
		49f5567d1dfee8187032779a886cd0f8918776fd1cbf4d7d05b781fd2029a87c
		3f922b4055e0046c79af09b7e6bf6bfdc0c38feb6d0a8fd2acb266e1b7bd63b8
		5a761ef55b4d7cc6cd7eb0ab6a3acc9f8e6c09e7f483cf0263bc174d52317e5c
		0841aa1d0e3d52139be53bc4a21b20f70a1296dc32c889b78e113a56237a8c9d`)

	m := DerivePRF(&c, &s, csid, ssid)
	if !bytes.Equal(m[:], want) {
		t.Fatalf("DerivePRF = %x\nwant       %x", m[:], want)
	}

	// The master secret the vector went through, as a cross-check of the
	// first step on its own.
	master := make([]byte, 48)
	PRF(master, c.PreMaster[:], append(append([]byte("OpenVPN master secret"), c.Random1[:]...), s.Random1[:]...))
	if want := mustHex(t, "9999e37f41b205a8183ce835da7daacfd52553e542564d04e4292100b00f5f1fe967f9d4f3888f285a5f119aff451e0d"); !bytes.Equal(master, want) {
		t.Fatalf("master = %x, want %x", master, want)
	}

	// The halves land where the data channel expects them.
	send, recv := m.ClientSend(), m.ClientReceive()
	if !bytes.Equal(send.Cipher[:], want[0:64]) || !bytes.Equal(send.HMAC[:], want[64:128]) {
		t.Error("ClientSend is not keys[0]")
	}
	if !bytes.Equal(recv.Cipher[:], want[128:192]) || !bytes.Equal(recv.HMAC[:], want[192:256]) {
		t.Error("ClientReceive is not keys[1]")
	}
	if m.ServerSend() != recv || m.ServerReceive() != send {
		t.Error("server halves are not the client's mirror")
	}
}

// TestDerivePRFOrder guards the easy mistakes: every input matters, and
// swapping client and server inputs changes the keys.
func TestDerivePRFOrder(t *testing.T) {
	var c ClientSource
	var s ServerSource
	copy(c.PreMaster[:], seqBytes(1, PreMasterSize))
	copy(c.Random1[:], seqBytes(2, RandomSize))
	copy(c.Random2[:], seqBytes(3, RandomSize))
	copy(s.Random1[:], seqBytes(4, RandomSize))
	copy(s.Random2[:], seqBytes(5, RandomSize))
	csid, ssid := SessionID{1}, SessionID{2}
	base := DerivePRF(&c, &s, csid, ssid)

	swapped := s
	swapped.Random1, swapped.Random2 = c.Random1, c.Random2
	c2 := c
	c2.Random1, c2.Random2 = s.Random1, s.Random2
	variants := map[string]Material{
		"sids swapped":    DerivePRF(&c, &s, ssid, csid),
		"randoms swapped": DerivePRF(&c2, &swapped, csid, ssid),
	}
	for name, m := range variants {
		if m.Equal(&base) {
			t.Errorf("%s: same keys", name)
		}
	}
	for i := range PreMasterSize {
		c3 := c
		c3.PreMaster[i] ^= 1
		if m := DerivePRF(&c3, &s, csid, ssid); m.Equal(&base) {
			t.Fatalf("pre-master byte %d does not matter", i)
		}
	}
}

func TestNewSources(t *testing.T) {
	r := bytes.NewReader(seqBytes(0, 112+64))
	c, err := NewClientSource(r)
	if err != nil {
		t.Fatal(err)
	}
	if c.PreMaster[0] != 0 || c.Random1[0] != 48 || c.Random2[0] != 80 {
		t.Errorf("client source filled in the wrong order")
	}
	s, err := NewServerSource(r)
	if err != nil {
		t.Fatal(err)
	}
	if s.Random1[0] != 112 || s.Random2[0] != 144 {
		t.Errorf("server source filled in the wrong order")
	}
	if _, err := NewClientSource(bytes.NewReader(nil)); err == nil {
		t.Error("short reader: no error")
	}
	if _, err := NewServerSource(bytes.NewReader(make([]byte, 40))); err == nil {
		t.Error("short reader: no error")
	}
}

var errBoom = errors.New("boom")
