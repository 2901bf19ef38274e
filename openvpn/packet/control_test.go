package packet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

var (
	sidA = SessionID{0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8}
	sidB = SessionID{0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8}
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The expected bytes are written out by hand from the layout in ssl_pkt.c
// (write_control_auth) and reliable.c (reliable_ack_write).
func TestControlEncodeKnownAnswers(t *testing.T) {
	tests := []struct {
		name string
		pkt  Control
		want string
	}{
		{
			name: "client hard reset",
			pkt:  Control{Opcode: OpHardResetClientV2, SessionID: sidA},
			want: "38 a1a2a3a4a5a6a7a8 00 00000000",
		},
		{
			name: "server hard reset acking the client reset",
			pkt:  Control{Opcode: OpHardResetServerV2, SessionID: sidB, Acks: []uint32{0}, RemoteSessionID: sidA},
			want: "40 b1b2b3b4b5b6b7b8 01 00000000 a1a2a3a4a5a6a7a8 00000000",
		},
		{
			name: "control with two acks, key id 2",
			pkt: Control{Opcode: OpControlV1, KeyID: 2, SessionID: sidA, Acks: []uint32{1, 0x01020304},
				RemoteSessionID: sidB, MessageID: 7, Payload: []byte{0x16, 0x03}},
			want: "22 a1a2a3a4a5a6a7a8 02 00000001 01020304 b1b2b3b4b5b6b7b8 00000007 1603",
		},
		{
			name: "dedicated ack",
			pkt:  Control{Opcode: OpAckV1, KeyID: 7, SessionID: sidA, Acks: []uint32{3}, RemoteSessionID: sidB},
			want: "2f a1a2a3a4a5a6a7a8 01 00000003 b1b2b3b4b5b6b7b8",
		},
		{
			name: "empty ack",
			pkt:  Control{Opcode: OpAckV1, SessionID: sidA},
			want: "28 a1a2a3a4a5a6a7a8 00",
		},
		{
			name: "wkc control",
			pkt:  Control{Opcode: OpControlWKCV1, SessionID: sidA, Acks: []uint32{0}, RemoteSessionID: sidB, MessageID: 1},
			want: "58 a1a2a3a4a5a6a7a8 01 00000000 b1b2b3b4b5b6b7b8 00000001",
		},
		{
			name: "soft reset",
			pkt:  Control{Opcode: OpSoftResetV1, KeyID: 1, SessionID: sidA},
			want: "19 a1a2a3a4a5a6a7a8 00 00000000",
		},
		{
			name: "v3 reset",
			pkt:  Control{Opcode: OpHardResetClientV3, SessionID: sidA},
			want: "50 a1a2a3a4a5a6a7a8 00 00000000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := unhex(t, tt.want)
			got, err := tt.pkt.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encode:\n got %x\nwant %x", got, want)
			}
			if n := HeaderSize + tt.pkt.BodyLen(); n != len(want) {
				t.Fatalf("HeaderSize+BodyLen = %d, want %d", n, len(want))
			}
			var back Control
			if err := back.Decode(want); err != nil {
				t.Fatal(err)
			}
			again, err := back.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, want) {
				t.Fatalf("round trip:\n got %x\nwant %x", again, want)
			}
		})
	}
}

func TestControlDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrTruncated},
		{"short header", "20 a1a2a3a4a5a6a7", ErrTruncated},
		{"no ack count", "20 a1a2a3a4a5a6a7a8", ErrTruncated},
		{"key-method 1 client reset", "08 a1a2a3a4a5a6a7a8 00 00000000", ErrBadOpcode},
		{"key-method 1 server reset", "10 a1a2a3a4a5a6a7a8 00 00000000", ErrBadOpcode},
		{"opcode 0", "00 a1a2a3a4a5a6a7a8 00 00000000", ErrBadOpcode},
		{"opcode 12", "60 a1a2a3a4a5a6a7a8 00 00000000", ErrBadOpcode},
		{"opcode 31", "f8 a1a2a3a4a5a6a7a8 00 00000000", ErrBadOpcode},
		{"data v1", "30 a1a2a3a4a5a6a7a8 00 00000000", ErrNotControl},
		{"data v2", "48 a1a2a3a4a5a6a7a8 00 00000000", ErrNotControl},
		{"zero session id", "20 0000000000000000 00 00000000", ErrZeroSessionID},
		{"nine acks", "20 a1a2a3a4a5a6a7a8 09" + strings.Repeat("00000000", 9) + "b1b2b3b4b5b6b7b8 00000000", ErrTooManyAcks},
		{"255 acks", "20 a1a2a3a4a5a6a7a8 ff", ErrTooManyAcks},
		{"truncated ack id", "20 a1a2a3a4a5a6a7a8 02 00000000 000000", ErrTruncated},
		{"missing remote sid", "20 a1a2a3a4a5a6a7a8 01 00000000 b1b2b3", ErrTruncated},
		{"zero remote sid", "20 a1a2a3a4a5a6a7a8 01 00000000 0000000000000000 00000001", ErrZeroSessionID},
		{"missing message id", "20 a1a2a3a4a5a6a7a8 00 000000", ErrTruncated},
		{"missing message id after acks", "20 a1a2a3a4a5a6a7a8 01 00000000 b1b2b3b4b5b6b7b8", ErrTruncated},
		{"ack with trailing data", "28 a1a2a3a4a5a6a7a8 00 00000000", ErrTrailingData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Control
			err := p.Decode(unhex(t, tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Decode error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestControlEncodeErrors(t *testing.T) {
	nine := make([]uint32, 9)
	tests := []struct {
		name string
		pkt  Control
		want error
	}{
		{"data opcode", Control{Opcode: OpDataV2, SessionID: sidA}, ErrNotControl},
		{"opcode 1", Control{Opcode: 1, SessionID: sidA}, ErrBadOpcode},
		{"key id 8", Control{Opcode: OpControlV1, KeyID: 8, SessionID: sidA}, ErrBadKeyID},
		{"zero sid", Control{Opcode: OpControlV1}, ErrZeroSessionID},
		{"nine acks", Control{Opcode: OpControlV1, SessionID: sidA, Acks: nine, RemoteSessionID: sidB}, ErrTooManyAcks},
		{"acks without remote sid", Control{Opcode: OpAckV1, SessionID: sidA, Acks: []uint32{1}}, ErrZeroSessionID},
		{"ack with payload", Control{Opcode: OpAckV1, SessionID: sidA, Payload: []byte{1}}, ErrUnexpectedFields},
		{"ack with message id", Control{Opcode: OpAckV1, SessionID: sidA, MessageID: 1}, ErrUnexpectedFields},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.pkt.Append([]byte{0xee})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Append error = %v, want %v", err, tt.want)
			}
			if !bytes.Equal(out, []byte{0xee}) {
				t.Fatalf("Append modified dst on error: %x", out)
			}
		})
	}
}

func TestDecodeReusesAcksAndAliasesPayload(t *testing.T) {
	pkt := unhex(t, "20 a1a2a3a4a5a6a7a8 01 00000005 b1b2b3b4b5b6b7b8 00000009 abcdef")
	p := Control{Acks: make([]uint32, 0, MaxAcks)}
	allocs := testing.AllocsPerRun(100, func() {
		if err := p.Decode(pkt); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Decode allocated %.0f times, want 0", allocs)
	}
	if &p.Payload[0] != &pkt[len(pkt)-3] {
		t.Fatal("Payload does not alias the input")
	}
	if p.MessageID != 9 || len(p.Acks) != 1 || p.Acks[0] != 5 || p.RemoteSessionID != sidB {
		t.Fatalf("decoded %v", &p)
	}
}

func TestDecodeErrorClearsPacket(t *testing.T) {
	var p Control
	if err := p.Decode(unhex(t, "20 a1a2a3a4a5a6a7a8 01 00000005 b1b2b3b4b5b6b7b8 00000009 ab")); err != nil {
		t.Fatal(err)
	}
	if err := p.Decode(unhex(t, "20 a1a2a3a4a5a6a7a8 02 00000005")); err == nil {
		t.Fatal("want error")
	}
	if len(p.Acks) != 0 || p.Payload != nil {
		t.Fatalf("stale fields after failed decode: %v", &p)
	}
}

func TestBodyOverhead(t *testing.T) {
	tests := []struct {
		op    Opcode
		nAcks int
		want  int
	}{
		{OpControlV1, 0, 5},
		{OpControlV1, 1, 17},
		{OpControlV1, 4, 29},
		{OpAckV1, 0, 1},
		{OpAckV1, 8, 41},
	}
	for _, tt := range tests {
		if got := BodyOverhead(tt.op, tt.nAcks); got != tt.want {
			t.Errorf("BodyOverhead(%v, %d) = %d, want %d", tt.op, tt.nAcks, got, tt.want)
		}
	}
}

func TestControlString(t *testing.T) {
	p := Control{Opcode: OpControlV1, KeyID: 1, SessionID: sidA, Acks: []uint32{4}, RemoteSessionID: sidB, MessageID: 3, Payload: make([]byte, 10)}
	want := "P_CONTROL_V1 kid=1 sid=a1a2a3a4a5a6a7a8 acks=[4] peer=b1b2b3b4b5b6b7b8 mid=3 len=10"
	if got := p.String(); got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}
