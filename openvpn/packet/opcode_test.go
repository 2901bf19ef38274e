package packet

import (
	"bytes"
	"errors"
	"testing"
	"testing/iotest"
)

func TestOpcodeProperties(t *testing.T) {
	tests := []struct {
		op                                     Opcode
		name                                   string
		valid, control, reset, msgID, wkc, dat bool
	}{
		{1, "P_???(1)", false, false, false, false, false, false},
		{2, "P_???(2)", false, false, false, false, false, false},
		{OpSoftResetV1, "P_CONTROL_SOFT_RESET_V1", true, true, false, true, false, false},
		{OpControlV1, "P_CONTROL_V1", true, true, false, true, false, false},
		{OpAckV1, "P_ACK_V1", true, true, false, false, false, false},
		{OpDataV1, "P_DATA_V1", true, false, false, false, false, true},
		{OpHardResetClientV2, "P_CONTROL_HARD_RESET_CLIENT_V2", true, true, true, true, false, false},
		{OpHardResetServerV2, "P_CONTROL_HARD_RESET_SERVER_V2", true, true, true, true, false, false},
		{OpDataV2, "P_DATA_V2", true, false, false, false, false, true},
		{OpHardResetClientV3, "P_CONTROL_HARD_RESET_CLIENT_V3", true, true, true, true, true, false},
		{OpControlWKCV1, "P_CONTROL_WKC_V1", true, true, false, true, true, false},
		{12, "P_???(12)", false, false, false, false, false, false},
		{31, "P_???(31)", false, false, false, false, false, false},
	}
	for _, tt := range tests {
		if got := tt.op.String(); got != tt.name {
			t.Errorf("%d.String() = %q, want %q", tt.op, got, tt.name)
		}
		got := [6]bool{tt.op.Valid(), tt.op.IsControl(), tt.op.IsHardReset(), tt.op.HasMessageID(), tt.op.CarriesWKc(), tt.op.IsData()}
		want := [6]bool{tt.valid, tt.control, tt.reset, tt.msgID, tt.wkc, tt.dat}
		if got != want {
			t.Errorf("%v: valid/control/reset/msgID/wkc/data = %v, want %v", tt.op, got, want)
		}
	}
}

func TestFirstByte(t *testing.T) {
	for op := Opcode(0); op < 32; op++ {
		for kid := KeyID(0); kid <= MaxKeyID; kid++ {
			b := FirstByte(op, kid)
			if b != byte(op)<<3|byte(kid) {
				t.Fatalf("FirstByte(%d,%d) = %#x", op, kid, b)
			}
			gop, gkid := SplitFirstByte(b)
			if gop != op || gkid != kid {
				t.Fatalf("SplitFirstByte(%#x) = %d,%d", b, gop, gkid)
			}
		}
	}
}

func TestPeek(t *testing.T) {
	tests := []struct {
		in      []byte
		op      Opcode
		kid     KeyID
		wantErr error
	}{
		{[]byte{0x48, 0, 0, 1}, OpDataV2, 0, nil},
		{[]byte{0x31}, OpDataV1, 1, nil},
		{[]byte{0x2b}, OpAckV1, 3, nil},
		{nil, 0, 0, ErrTruncated},
		{[]byte{0x08}, 0, 0, ErrBadOpcode},
		{[]byte{0x60}, 0, 0, ErrBadOpcode},
	}
	for _, tt := range tests {
		op, kid, err := Peek(tt.in)
		if !errors.Is(err, tt.wantErr) || op != tt.op || kid != tt.kid {
			t.Errorf("Peek(%x) = %v,%d,%v; want %v,%d,%v", tt.in, op, kid, err, tt.op, tt.kid, tt.wantErr)
		}
	}
}

func TestNewSessionID(t *testing.T) {
	a, err := NewSessionID(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSessionID(nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.IsZero() || a == b {
		t.Fatalf("weak session ids %v %v", a, b)
	}
	// A zero block is retried.
	src := bytes.NewReader(append(make([]byte, 8), 1, 2, 3, 4, 5, 6, 7, 8))
	c, err := NewSessionID(src)
	if err != nil || c != (SessionID{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Fatalf("NewSessionID = %v, %v", c, err)
	}
	if c.String() != "0102030405060708" {
		t.Fatalf("String() = %q", c.String())
	}
	if _, err := NewSessionID(bytes.NewReader(make([]byte, 64))); !errors.Is(err, ErrZeroSessionID) {
		t.Fatalf("all-zero source: err = %v", err)
	}
	if _, err := NewSessionID(iotest.ErrReader(errors.New("boom"))); err == nil {
		t.Fatal("want error from failing reader")
	}
}
