package packet

import (
	"fmt"
	"strconv"
)

// Opcode is the 5-bit packet type in the high bits of an OpenVPN packet's
// first byte.
type Opcode uint8

// The opcodes of key-method 2. Opcodes 1 and 2 (key-method 1 hard resets)
// are deliberately absent: OpenVPN 2.6 rejects them, and so do we.
const (
	OpSoftResetV1       Opcode = 3  // P_CONTROL_SOFT_RESET_V1: start of a renegotiation
	OpControlV1         Opcode = 4  // P_CONTROL_V1: reliable control data (TLS records)
	OpAckV1             Opcode = 5  // P_ACK_V1: acknowledgements only
	OpDataV1            Opcode = 6  // P_DATA_V1: data channel, 1-byte header
	OpHardResetClientV2 Opcode = 7  // P_CONTROL_HARD_RESET_CLIENT_V2
	OpHardResetServerV2 Opcode = 8  // P_CONTROL_HARD_RESET_SERVER_V2
	OpDataV2            Opcode = 9  // P_DATA_V2: data channel with peer-id
	OpHardResetClientV3 Opcode = 10 // P_CONTROL_HARD_RESET_CLIENT_V3: tls-crypt-v2 reset, WKc appended
	OpControlWKCV1      Opcode = 11 // P_CONTROL_WKC_V1: P_CONTROL_V1 with the tls-crypt-v2 WKc appended
)

const (
	// OpcodeShift is how far the opcode is shifted left in the first byte.
	OpcodeShift = 3
	// KeyIDMask selects the key id from the first byte.
	KeyIDMask = 0x07

	firstOpcode = OpSoftResetV1
	lastOpcode  = OpControlWKCV1
)

var opcodeNames = [...]string{
	OpSoftResetV1:       "P_CONTROL_SOFT_RESET_V1",
	OpControlV1:         "P_CONTROL_V1",
	OpAckV1:             "P_ACK_V1",
	OpDataV1:            "P_DATA_V1",
	OpHardResetClientV2: "P_CONTROL_HARD_RESET_CLIENT_V2",
	OpHardResetServerV2: "P_CONTROL_HARD_RESET_SERVER_V2",
	OpDataV2:            "P_DATA_V2",
	OpHardResetClientV3: "P_CONTROL_HARD_RESET_CLIENT_V3",
	OpControlWKCV1:      "P_CONTROL_WKC_V1",
}

// String returns the reference implementation's name for the opcode, so log
// lines can be compared with an OpenVPN server's log side by side.
func (o Opcode) String() string {
	if int(o) < len(opcodeNames) && opcodeNames[o] != "" {
		return opcodeNames[o]
	}
	return "P_???(" + strconv.Itoa(int(o)) + ")"
}

// Valid reports whether o is an opcode of key-method 2 (3 to 11).
func (o Opcode) Valid() bool { return o >= firstOpcode && o <= lastOpcode }

// IsData reports whether o is a data-channel opcode. Data packets have no
// session id and never go through this package's control codec.
func (o Opcode) IsData() bool { return o == OpDataV1 || o == OpDataV2 }

// IsControl reports whether o is a valid control-channel opcode.
func (o Opcode) IsControl() bool { return o.Valid() && !o.IsData() }

// IsHardReset reports whether o starts a new session. The payload of a hard
// reset is not TLS data but early-negotiation TLVs (see ParseEarlyNegotiation).
func (o Opcode) IsHardReset() bool {
	return o == OpHardResetClientV2 || o == OpHardResetServerV2 || o == OpHardResetClientV3
}

// HasMessageID reports whether packets with this opcode carry a reliability
// message id (and a payload): every control opcode except P_ACK_V1.
func (o Opcode) HasMessageID() bool { return o.IsControl() && o != OpAckV1 }

// CarriesWKc reports whether a tls-crypt-v2 client appends its wrapped client
// key (WKc) to packets with this opcode.
func (o Opcode) CarriesWKc() bool { return o == OpHardResetClientV3 || o == OpControlWKCV1 }

// KeyID identifies the key state (0 for the first handshake, then 1..7 for
// renegotiations, wrapping back to 1). Only the low three bits are used.
type KeyID uint8

// MaxKeyID is the largest key id that fits the three bits of the first byte.
const MaxKeyID KeyID = KeyIDMask

// FirstByte combines an opcode and key id into a packet's first byte.
func FirstByte(op Opcode, kid KeyID) byte {
	return byte(op)<<OpcodeShift | byte(kid&KeyIDMask)
}

// SplitFirstByte separates a packet's first byte into opcode and key id
// without validating the opcode.
func SplitFirstByte(b byte) (Opcode, KeyID) {
	return Opcode(b >> OpcodeShift), KeyID(b & KeyIDMask)
}

// Peek reads the opcode and key id of a received packet of any kind, data or
// control, so the caller can route it. Opcodes outside 3..11 are rejected
// with ErrBadOpcode.
func Peek(pkt []byte) (Opcode, KeyID, error) {
	if len(pkt) == 0 {
		return 0, 0, fmt.Errorf("peek opcode: %w", ErrTruncated)
	}
	op, kid := SplitFirstByte(pkt[0])
	if err := checkOpcode(op); err != nil {
		return 0, 0, fmt.Errorf("peek opcode: %w", err)
	}
	return op, kid, nil
}

func checkOpcode(op Opcode) error {
	if op.Valid() {
		return nil
	}
	if op == 1 || op == 2 {
		return fmt.Errorf("%w %d (key-method 1 is not supported)", ErrBadOpcode, op)
	}
	return fmt.Errorf("%w %d", ErrBadOpcode, op)
}

func checkControlOpcode(op Opcode) error {
	if err := checkOpcode(op); err != nil {
		return err
	}
	if op.IsData() {
		return fmt.Errorf("%w: %v", ErrNotControl, op)
	}
	return nil
}
