package packet

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseEarlyNegotiation(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		flags   uint16
		resend  bool
		wantErr bool
	}{
		{"empty payload", "", 0, false, false},
		// Exactly what tls_reset_standalone writes with request_resend_wkc.
		{"resend wkc", "0001 0002 0001", 1, true, false},
		{"unknown type skipped", "00ff 0003 aabbcc 0001 0002 0003", 3, true, false},
		{"zero-length unknown", "1234 0000", 0, false, false},
		{"flags without resend", "0001 0002 0002", 2, false, false},
		{"short header", "0001 00", 0, false, true},
		{"length past end", "0001 0004 0001", 0, false, true},
		{"flags wrong length", "0001 0001 01", 0, false, true},
		{"flags length 4", "0001 0004 00000001", 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEarlyNegotiation(unhex(t, tt.in))
			if tt.wantErr {
				if !errors.Is(err, ErrBadTLV) {
					t.Fatalf("err = %v, want ErrBadTLV", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Flags != tt.flags || e.ResendWKc() != tt.resend {
				t.Fatalf("got %+v resend=%v", e, e.ResendWKc())
			}
		})
	}
}

func TestAppendEarlyNegotiation(t *testing.T) {
	got := AppendEarlyNegotiation(nil, EarlyNegotiation{Flags: EarlyNegFlagResendWKc})
	if want := unhex(t, "0001 0002 0001"); !bytes.Equal(got, want) {
		t.Fatalf("got %x want %x", got, want)
	}
	if got := AppendEarlyNegotiation(nil, EarlyNegotiation{}); len(got) != 0 {
		t.Fatalf("no flags should be an empty payload, got %x", got)
	}
}

func TestHasEarlyNegStart(t *testing.T) {
	tests := []struct {
		id   uint32
		want bool
	}{
		{EarlyNegStart + 1, true}, // the first id a 2.6 tls-crypt-v2 client sends
		{0x0f00abcd, true},
		{0xff000001, true}, // the server only tests the 0x0f bits of the top byte
		{1, false},
		{0x0e000001, false},
		{0x07000001, false},
	}
	for _, tt := range tests {
		if got := HasEarlyNegStart(tt.id); got != tt.want {
			t.Errorf("HasEarlyNegStart(%#x) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
