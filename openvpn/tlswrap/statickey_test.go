package tlswrap

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// genkeyText renders key the way openvpn --genkey secret does.
func genkeyText(key []byte) string {
	var b strings.Builder
	b.WriteString("#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n")
	for i := 0; i < len(key); i += 16 {
		b.WriteString(hex.EncodeToString(key[i:i+16]) + "\n")
	}
	b.WriteString("-----END OpenVPN Static key V1-----\n")
	return b.String()
}

func TestParseStaticKey(t *testing.T) {
	key := testKey()
	good := genkeyText(key)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"genkey output", good, true},
		{"crlf and upper case", strings.ReplaceAll(strings.Replace(good, hex.EncodeToString(key[:16]), strings.ToUpper(hex.EncodeToString(key[:16])), 1), "\n", "\r\n"), true},
		{"digits split by spaces", strings.Replace(good, hex.EncodeToString(key[:2]), hex.EncodeToString(key[:1])+" \t"+hex.EncodeToString(key[1:2]), 1), true},
		{"no header", strings.Replace(good, "BEGIN", "BEGAN", 1), false},
		{"no footer", strings.Replace(good, "-----END", "", 1), false},
		{"short", strings.Replace(good, hex.EncodeToString(key[240:]), "", 1), false},
		{"odd digit", strings.Replace(good, "-----END", "a\n-----END", 1), false},
		{"bad char", strings.Replace(good, hex.EncodeToString(key[:1]), "zz", 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStaticKey([]byte(tt.in))
			if !tt.ok {
				if !errors.Is(err, ErrBadKey) {
					t.Fatalf("err = %v, want ErrBadKey", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, key) {
				t.Fatal("key differs")
			}
		})
	}
}

func TestKeySlots(t *testing.T) {
	key := testKey()
	if !bytes.Equal(cipherKey(key, 1, 32), key[128:160]) || !bytes.Equal(hmacKey(key, 1, 20), key[192:212]) ||
		!bytes.Equal(cipherKey(key, 0, 32), key[0:32]) || !bytes.Equal(hmacKey(key, 0, 64), key[64:128]) {
		t.Fatal("key slots misplaced")
	}
}
