package keys

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

func TestMaterialLayout(t *testing.T) {
	var m Material
	copy(m[:], seqBytes(0, MaterialSize))
	tests := []struct {
		name      string
		d         Direction
		cipherOff int
		hmacOff   int
	}{
		{"client send = keys[0]", m.ClientSend(), 0, 64},
		{"client receive = keys[1]", m.ClientReceive(), 128, 192},
		{"server send = keys[1]", m.ServerSend(), 128, 192},
		{"server receive = keys[0]", m.ServerReceive(), 0, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.d.Cipher[0] != byte(tt.cipherOff) || tt.d.Cipher[63] != byte(tt.cipherOff+63) {
				t.Errorf("cipher slot starts at %d, want %d", tt.d.Cipher[0], tt.cipherOff)
			}
			if tt.d.HMAC[0] != byte(tt.hmacOff) || tt.d.HMAC[63] != byte(tt.hmacOff+63) {
				t.Errorf("hmac slot starts at %d, want %d", tt.d.HMAC[0], tt.hmacOff)
			}
		})
	}
	d := m.ClientSend()
	d.Zero()
	if d != (Direction{}) {
		t.Error("Direction.Zero left bytes")
	}
	m.Zero()
	if m != (Material{}) {
		t.Error("Material.Zero left bytes")
	}
}

// TestRedaction: key bytes never reach fmt output, whatever the verb.
func TestRedaction(t *testing.T) {
	var m Material
	for i := range m {
		m[i] = 0xA5
	}
	d := m.ClientSend()
	var c ClientSource
	for i := range c.PreMaster {
		c.PreMaster[i] = 0xA5
	}
	leaks := []string{hex.EncodeToString([]byte{0xA5, 0xA5}), "165 165", "0xa5"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
		for name, v := range map[string]any{"material": m, "*material": &m, "direction": d, "*direction": &d, "source": c, "*source": &c} {
			out := strings.ToLower(fmt.Sprintf(verb, v))
			for _, leak := range leaks {
				if strings.Contains(out, leak) {
					t.Errorf("%s with %s leaks key bytes: %s", name, verb, out)
				}
			}
			if !strings.Contains(out, "redacted") {
				t.Errorf("%s with %s: %q has no redaction marker", name, verb, out)
			}
		}
	}
}
